"""The names both environments use for the same things: actions, slots, events, message metadata keys.

The Rasa engine (`engine/`, Python 3.10, `.venv-rasa`) and the action server, API and analytics
(Python 3.11, `.venv`) never import each other; they agree on these names through the domain
(`domain.yml`) and the tracker's events. Spelled once here, a renamed slot or action is one edit
and `tests/assistant/test_names.py` checks every action and slot below against `domain.yml`.

Standard library only, and nothing newer than Python 3.10: the engine imports it too.
"""

from __future__ import annotations

# -- message metadata: what a channel puts on a user message and the actions read ---------------

# A signed identity token (`assistant.identity.issue_channel_token`) from the website or an app.
METADATA_TOKEN_KEY = "auth_token"
# The engine's own signed note of which channel a message came through (`engine/channels/incoming.py`).
METADATA_PROOF_KEY = "connector_proof"
# The id of one delivery of a message (the REST channel's `X-Request-ID`, set by nginx or by the client):
# a delivery retried after its server died is answered from the tracker, not handled twice (engine/redelivery.py).
METADATA_DELIVERY_KEY = "delivery_id"

# -- message ids ---------------------------------------------------------------------------------

# The parts of one multi-part message are handled as messages of their own (engine/multipart.py) with the
# message's id and "-1", "-2", ... after it: the actions and the engine's readings count them as one turn.


def part_message_id(message_id: str | None, index: int) -> str | None:
    """The id of part `index` of a message: the message's own for the first part."""
    return message_id if index == 0 else f"{message_id}-{index}"


def message_id_of(part_id: str | None) -> str:
    """The id of the message a part came from ("ID-1" -> "ID"); a message's own id is its own."""
    message_id = str(part_id or "")
    base, _, index = message_id.rpartition("-")
    return base if base and index.isdigit() and len(index) <= 2 else message_id


# -- slots ------------------------------------------------------------------------------------

CUSTOMER_NAME_SLOT = "customer_name"
# The order the conversation is about: the last one shown, chosen or asked about.
ORDER_NUMBER_SLOT = "order_number"
# The session proof of a customer verified in the conversation (order or invoice number + e-mail).
CUSTOMER_PROOF_SLOT = "customer_proof"
# Set from the channel's signed identity when an employee writes (the HR helpdesk).
EMPLOYEE_VERIFIED_SLOT = "employee_verified"
# Documents without an answer in a row (1, 2): the second offers a person.
FAILURES_SLOT = "failed_attempts"
HANDOFF_OFFERED_SLOT = "handoff_offered"
HANDOFF_MESSAGE_SLOT = "handoff_message"
# Later parts of a multi-part message, waiting for the form an earlier part started (engine/multipart.py).
QUEUED_REQUESTS_SLOT = "queued_requests"
# Slots that hold a person's name whatever it looks like: masked whole, never pattern by pattern.
# `employee_name` and `identity_name` are not slots today; kept so that adding one is masked at once.
NAME_SLOTS = frozenset({CUSTOMER_NAME_SLOT, "employee_name", "identity_name"})

# -- forms, actions and responses ----------------------------------------------------------------

HANDOFF_MESSAGE_FORM = "handoff_message_form"
LEAVE_FORM = "leave_form"
KNOWLEDGE_ACTION = "action_answer_from_documents"
ORDER_STATUS_ACTION = "action_order_status"
HANDOFF_ACTION = "action_handoff"
# Rasa's own: the bot waits for the user (the end of every turn).
LISTEN_ACTION = "action_listen"
# What the bot says when a person hands the conversation back (`handoff/conversation.py`).
HANDOFF_BACK_RESPONSE = "utter_handoff_back"

# The line that tells the person a later part of their message is queued (engine/multipart.py).
REQUEST_QUEUED_RESPONSE = "utter_request_queued"

# -- events --------------------------------------------------------------------------------------

# Feedback (thumbs, a rating) is stored as Rasa's `agent` event: it changes no dialogue state and
# every reader of who-said-what skips it (`analytics.feedback`).
FEEDBACK_EVENT = "agent"

# The intents that start a flow on someone's records (domain.yml): a message read as one of these
# reaches the back office. Shared by the multi-part splitter (engine/clauses.py) and the NLU
# evaluation's false-accept count (scripts/eval_nlu.py).
TRANSACTIONAL_INTENTS = frozenset(
    {
        "order_status",
        "order_cancel",
        "order_return",
        "invoice_balance",
        "invoice_due",
        "invoice_pay",
        "leave_balance",
        "leave_request",
        "leave_request_status",
        "leave_used",
        "leave_cancel",
        "payday",
    }
)
# The requests that change someone's records (each confirmed before it is written): never carried out
# from a message the NLU could not place, only suggested (actions/suggestion.py).
CHANGE_INTENTS = frozenset({"order_cancel", "order_return", "leave_request", "leave_cancel"})
# The intents that ask the assistant to do or answer something; social turns (greet, thank, affirm,
# deny, ...), form answers (inform) and out_of_scope are not requests. Shared by the multi-part
# splitter (engine/clauses.py) and the documents action's reading of an opener (actions/documents.py).
REQUEST_INTENTS = TRANSACTIONAL_INTENTS | {"ask_policy", "human_handoff", "link_telegram"}
