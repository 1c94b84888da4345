"""`python -m engine <rasa arguments>`: Rasa's own command line, with our engine patches applied first."""

from assistant.pii_logging import install as mask_personal_data_in_logs
from engine.debug_copies import install as copy_debug_log_arguments_only_when_debugging
from engine.dialogue_states import install as extend_dialogue_states_by_new_events
from engine.limits import install as limit_rates_and_sizes
from engine.locks import install as make_redis_locks_atomic
from engine.multipart import install as answer_every_part_of_a_message
from engine.patches import apply_all
from engine.redaction import install as redact_tracker_store_if_enabled
from engine.redelivery import install as handle_a_redelivered_message_once
from engine.remote_nlu import install as parse_in_the_nlu_process_if_configured
from engine.tracker_cache import install as remember_stored_conversations
from engine.tracker_store import install as store_turns_without_waiting_for_the_disk


def main() -> None:
    mask_personal_data_in_logs()
    apply_all()
    copy_debug_log_arguments_only_when_debugging()
    extend_dialogue_states_by_new_events()
    make_redis_locks_atomic()
    store_turns_without_waiting_for_the_disk()
    remember_stored_conversations()
    redact_tracker_store_if_enabled()
    limit_rates_and_sizes()
    answer_every_part_of_a_message()
    handle_a_redelivered_message_once()
    parse_in_the_nlu_process_if_configured()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
