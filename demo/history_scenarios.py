"""The demo history's conversations: who writes, when, about what, and what the bot answers.

The bot's turns are rendered from the reply catalog (assistant/catalog.py) by the same message ids
the live assistant uses, with demo values for their variables, so a wording change in the catalog
changes the generated history too.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from assistant import catalog, formatting
from demo.history_phrases import (
    ANSWERED,
    FALLBACK_INPUTS,
    FIRST_NAMES,
    GAPS,
    GOODBYES,
    GREETINGS,
    HR_QUESTIONS,
    INVOICE_QUESTIONS,
    LAST_NAMES,
    ORDER_QUESTIONS,
    OUT_OF_SCOPE,
    THANKS,
    WHILE_WAITING,
)
from demo.history_writer import TICKET_PLACEHOLDER, ConversationWriter, _PendingTicket
from handoff.transcript import transcript_from_events

CHANNEL_WEIGHTS = {"socketio": 0.45, "rest": 0.2, "telegram": 0.2, "slack": 0.15}
AGENTS = ("Alex", "Sam")
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 10, 9, 7, 6, 5, 4, 3, 2, 1]
ANSWER_FEEDBACK_SHARE = 0.3  # widget visitors who click a thumb on an answer
RATING_SHARE = 0.2  # widget conversations that end with a rating
HANDOFF_CHOICES = (("utter_button_person_yes", "/human_handoff"), ("utter_button_person_no", "/deny"))


class HistoryGenerator:
    """Conversations for `days` days up to `end`, spread like real traffic (weekdays, office hours)."""

    def __init__(self, seed: int = 7, end: datetime | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.end = (end or datetime.now(UTC)).astimezone(UTC)
        self.tickets_opened = 0

    # -- timing ---------------------------------------------------------------------------------

    def latency(self, kind: str) -> float:
        """A reply latency in ms, by what the bot had to do (log-normal, with a few slow outliers)."""
        median = {"utter": 45.0, "action": 140.0, "knowledge": 380.0, "handoff": 220.0}[kind]
        value = self.rng.lognormvariate(math.log(median), 0.45)
        if self.rng.random() < 0.02:
            value *= self.rng.uniform(5.0, 15.0)
        return round(value, 1)

    def day_counts(self, conversations: int, days: int) -> list[tuple[date, int]]:
        """How many conversations start on each day (weekends quieter, slowly growing), summing exactly."""
        last = self.end.date()
        first = last - timedelta(days=days - 1)
        dates = [first + timedelta(days=i) for i in range(days)]
        weights = [
            (0.6 if d.weekday() >= 5 else 1.0) * (0.85 + 0.3 * i / max(1, days - 1)) for i, d in enumerate(dates)
        ]
        total = sum(weights)
        raw = [conversations * w / total for w in weights]
        counts = [int(x) for x in raw]
        for i in sorted(range(days), key=lambda i: raw[i] - counts[i], reverse=True)[: conversations - sum(counts)]:
            counts[i] += 1
        return list(zip(dates, counts, strict=True))

    def start_time(self, day: date) -> float:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(seconds=self.rng.uniform(0, 3599))
        latest = self.end - timedelta(minutes=30)  # finished by `end`
        if moment > latest:
            moment = latest - timedelta(seconds=self.rng.uniform(0, 3600 * 2))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return max(moment, start).timestamp()

    # -- scenarios ------------------------------------------------------------------------------

    def scenarios(self, channel: str) -> list[tuple[Callable[[ConversationWriter], None], float]]:
        if channel == "slack":
            return [
                (self.hr, 0.45),
                (self.knowledge_answered, 0.2),
                (self.knowledge_unanswered, 0.12),
                (self.small_talk, 0.1),
                (self.handoff_requested, 0.05),
                (self.fallback, 0.08),
            ]
        weights: list[tuple[Callable[[ConversationWriter], None], float]] = [
            (self.small_talk, 0.1),
            (self.order_status, 0.2),
            (self.invoice, 0.08),
            (self.knowledge_answered, 0.24),
            (self.knowledge_unanswered, 0.12),
            (self.two_unanswered, 0.03),
            (self.handoff_requested, 0.07),
            (self.fallback, 0.08),
            (self.help, 0.05),
        ]
        if channel == "telegram":
            weights.append((self.hr, 0.1))
        return weights

    def greet(self, w: ConversationWriter) -> None:
        w.turn(
            self.rng.choice(GREETINGS),
            "greet",
            "utter_greet",
            catalog.text("utter_greet"),
            self.latency("utter"),
        )
        w.listen()

    def close(self, w: ConversationWriter) -> None:
        """Most people say thanks or bye; some just leave."""
        roll = self.rng.random()
        if roll < 0.35:
            w.turn(
                self.rng.choice(THANKS),
                "thank",
                "utter_you_are_welcome",
                catalog.text("utter_you_are_welcome"),
                self.latency("utter"),
            )
            w.listen()
        elif roll < 0.55:
            w.turn(
                self.rng.choice(GOODBYES),
                "goodbye",
                "utter_goodbye",
                catalog.text("utter_goodbye"),
                self.latency("utter"),
            )
            w.listen()

    def maybe_thumb(self, w: ConversationWriter, answer: dict[str, Any], up_share: float) -> None:
        if w.channel == "socketio" and self.rng.random() < ANSWER_FEEDBACK_SHARE:
            w.feedback("answer", "up" if self.rng.random() < up_share else "down", answer_at=answer["timestamp"])

    def maybe_rating(self, w: ConversationWriter, good: bool) -> None:
        if w.channel == "socketio" and self.rng.random() < RATING_SHARE:
            weights = [1, 1, 2, 5, 8] if good else [4, 4, 3, 1, 1]
            w.feedback("conversation", self.rng.choices([1, 2, 3, 4, 5], weights=weights)[0])

    def small_talk(self, w: ConversationWriter) -> None:
        self.greet(w)
        if self.rng.random() < 0.4:
            w.turn(
                "are you a bot?",
                "bot_challenge",
                "utter_iamabot",
                catalog.text("utter_iamabot"),
                self.latency("utter"),
            )
            w.listen()
        self.close(w)
        self.maybe_rating(w, good=True)

    def help(self, w: ConversationWriter) -> None:
        w.turn(
            "what can you do?",
            "help",
            "utter_help",
            catalog.text("utter_help"),
            self.latency("utter"),
        )
        w.listen()
        self.close(w)

    def order_status(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.3:
            self.greet(w)
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        order = f"ORD-{self.rng.randint(10001, 10300)}"
        email = f"{first.lower()}.{last.lower().replace(' ', '')}@example.com"
        w.turn(
            self.rng.choice(ORDER_QUESTIONS),
            "order_status",
            "verify_form",
            catalog.text("utter_ask_verify_reference"),
            self.latency("action"),
            utter_action="utter_ask_verify_reference",
        )
        w.listen()
        w.turn(
            order,
            "inform",
            "verify_form",
            catalog.text("utter_ask_verify_email"),
            self.latency("action"),
            utter_action="utter_ask_verify_email",
        )
        w.listen()
        w.user(f"it's {email}" if self.rng.random() < 0.5 else email, "inform")
        w.action("verify_form")
        w.slot("customer_verified", True)
        w.action("action_order_status")
        w.bot(self._order_reply(order, w.truth.day), self.latency("action"))
        w.listen()
        self.close(w)
        self.maybe_rating(w, good=True)

    def invoice(self, w: ConversationWriter) -> None:
        w.turn(
            self.rng.choice(INVOICE_QUESTIONS),
            "invoice_balance",
            "action_invoice_balance",
            self._invoice_reply(w.truth.day),
            self.latency("action"),
        )
        w.listen()
        self.close(w)

    def hr(self, w: ConversationWriter) -> None:
        intent, question, action = self.rng.choice(HR_QUESTIONS)
        w.turn(question, intent, action, self._hr_answer(intent), self.latency("action"))
        w.listen()
        if self.rng.random() < 0.3:
            intent, question, action = self.rng.choice([q for q in HR_QUESTIONS if q[0] != intent])
            w.turn(question, intent, action, self._hr_answer(intent), self.latency("action"))
            w.listen()
        self.close(w)

    def _hr_answer(self, intent: str) -> str:
        """The HR action's reply, from the catalog, with demo figures."""
        left, taken = self.rng.randint(3, 24), self.rng.randint(1, 18)
        year = str(self.end.year)
        vacation = catalog.text("utter_leave_name_vacation")
        if intent == "leave_balance":
            details = catalog.text("utter_leave_taken", days=formatting.day_count(25 - min(left, 25)))
            line = catalog.text(
                "utter_leave_balance_line",
                name=vacation.capitalize(),
                available=formatting.day_count(left),
                allowance=formatting.day_count(25),
                details=details,
            )
            return catalog.text("utter_leave_balance", year=year, lines=catalog.text("utter_list_item", item=line))
        if intent == "payday":
            return catalog.text("utter_payday", when=formatting.day(self.end.date().replace(day=15)))
        if intent == "leave_used":
            line = catalog.text("utter_leave_used_line", name=vacation.capitalize(), days=formatting.day_count(taken))
            return catalog.text(
                "utter_leave_used",
                year=year,
                total=formatting.day_count(taken),
                lines=catalog.text("utter_list_item", item=line),
            )
        request = catalog.text(
            "utter_leave_request_line",
            number="LR-02041",
            leave=vacation,
            when=formatting.day(self.end.date() + timedelta(days=14)),
            days=formatting.day_count(3),
            status=catalog.text("utter_leave_status_pending"),
            note="",
        )
        return catalog.text("utter_leave_requests", lines=catalog.text("utter_list_item", item=request))

    def _order_reply(self, order: str, today: date) -> str:
        """The order status reply, from the catalog, for a demo order in one of four states."""
        message_id = self.rng.choice(
            ("utter_order_shipped", "utter_order_delivered", "utter_order_packed", "utter_order_paid")
        )
        item = catalog.text("utter_item_quantity", quantity=formatting.number(1), product="Garden bench")
        return catalog.text(
            message_id,
            order=order,
            items=item,
            total=formatting.money(Decimal("149.00"), "EUR"),
            carrier="DHL",
            tracking="",
            eta=catalog.text("utter_order_eta", day=formatting.day(today + timedelta(days=2), today)),
            when=formatting.on_day(today - timedelta(days=2), today),
        )

    def _invoice_reply(self, today: date) -> str:
        """The invoice balance reply, from the catalog, for one demo invoice."""
        invoice = f"INV-{self.rng.randint(50001, 50300)}"
        balance = formatting.money(Decimal(self.rng.randint(20, 400)), "EUR")
        due = formatting.day(today + timedelta(days=9), today)
        line = catalog.text("utter_invoice_line_due", invoice=invoice, balance=balance, due=due)
        return catalog.text(
            "utter_invoice_balance_one", total=balance, overdue="", lines=catalog.text("utter_list_item", item=line)
        )

    def _knowledge(self, w: ConversationWriter, question: str, intent: str = "ask_policy") -> dict[str, Any] | None:
        """A question for the documents; the answer with its source, or None when it is one of the gaps."""
        answered = next((item for item in ANSWERED if item[0] == question), None)
        w.user(question, intent, confidence=0.7 if intent == "nlu_fallback" else None)
        w.action("action_answer_from_documents")
        w.truth.knowledge_questions += 1
        if answered is not None:
            _, answer, path, title = answered
            source = {"path": path, "title": title, "score": round(self.rng.uniform(0.45, 0.8), 4), "snippet": answer}
            event = w.bot(answer, self.latency("knowledge"), custom={"sources": [source]})
            w.slot("last_question", question)
            w.slot("failed_attempts", 0)
            w.truth.knowledge_answered += 1
            return event
        return None

    def _abstain(self, w: ConversationWriter, question: str, topic: str, failures: int) -> None:
        w.bot(
            catalog.text("utter_documents_abstain" if failures == 1 else "utter_documents_abstain_again"),
            self.latency("knowledge"),
            buttons=catalog.buttons(*HANDOFF_CHOICES) if failures == 1 else None,
        )
        w.slot("last_question", None)
        w.slot("failed_attempts", failures)
        w.truth.abstentions += 1
        w.truth.questions.append(question)
        w.truth.gap_topics.append(topic)

    def gap_question(self) -> tuple[str, str]:
        topics = list(GAPS)
        topic = self.rng.choices(topics, weights=[GAPS[name][1] for name in topics])[0]
        return topic, self.rng.choice(GAPS[topic][0])

    def knowledge_answered(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.25:
            self.greet(w)
        for _ in range(1 if self.rng.random() < 0.75 else 2):
            answer = self._knowledge(w, self.rng.choice(ANSWERED)[0])
            w.listen()
            if answer is not None:
                self.maybe_thumb(w, answer, up_share=0.8)
        self.close(w)
        self.maybe_rating(w, good=True)

    def knowledge_unanswered(self, w: ConversationWriter) -> None:
        topic, question = self.gap_question()
        self._knowledge(w, question)
        self._abstain(w, question, topic, 1)
        w.listen()
        if w.channel == "socketio" and self.rng.random() < 0.35:
            w.feedback("answer", "down", answer_at=w.last_bot_at)
        if self.rng.random() < 0.4:
            self.handoff(w, "/human_handoff", "no_answer")
        else:
            w.turn(
                "/deny",
                "deny",
                "utter_anything_else",
                catalog.text("utter_anything_else"),
                self.latency("utter"),
            )
            w.listen()
            self.maybe_rating(w, good=False)

    def two_unanswered(self, w: ConversationWriter) -> None:
        topic, question = self.gap_question()
        self._knowledge(w, question)
        self._abstain(w, question, topic, 1)
        w.listen()
        topic, question = self.gap_question()
        self._knowledge(w, question)
        self._abstain(w, question, topic, 2)
        w.action("action_handoff")
        self._handoff_events(w, "failed_attempts", measured=False)

    def handoff_requested(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.3:
            self.greet(w)
        text = self.rng.choice(("I want to talk to a person", "can I speak to a human?", "agent please", "real person"))
        self.handoff(w, text, "requested")

    def fallback(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.5:
            w.turn(
                self.rng.choice(OUT_OF_SCOPE),
                "out_of_scope",
                "utter_out_of_scope",
                catalog.text("utter_out_of_scope"),
                self.latency("utter"),
            )
            w.listen()
        else:
            question = self.rng.choice(FALLBACK_INPUTS)
            w.user(question, "nlu_fallback", confidence=0.7)
            w.action("action_answer_from_documents")
            w.truth.knowledge_questions += 1
            self._abstain(w, question, "(noise)", 1)
            w.listen()
        self.close(w)

    def handoff(self, w: ConversationWriter, text: str, reason: str) -> None:
        w.user(text, "human_handoff")
        w.action("action_handoff")
        self._handoff_events(w, reason, measured=True)

    def _handoff_events(self, w: ConversationWriter, reason: str, measured: bool) -> None:
        """The bot hands over (a ticket with the transcript so far), a person answers, and hands back."""
        transcript = transcript_from_events([row["event"] for row in w.rows])
        opened = w.t + 0.01
        reply = w.bot(
            catalog.text("utter_handoff_opened", ticket=TICKET_PLACEHOLDER), self.latency("handoff"), measured=measured
        )
        w.slot("failed_attempts", 0)
        w.pause()
        agent = self.rng.choice(AGENTS)
        taken = opened + self.rng.uniform(20, 600)
        w.t = taken
        w.agent_message("Hi, I'm here to help — what's up?", agent, after_s=self.rng.uniform(2, 20))
        w.user(self.rng.choice(WHILE_WAITING), "inform", think_s=self.rng.uniform(5, 40))
        w.agent_message("I've sorted it out for you.", agent, after_s=self.rng.uniform(30, 240))
        closed = w.t + self.rng.uniform(5, 60)
        w.t = closed
        w.resume()
        w.action("utter_handoff_back", policy=None)
        w.bot(catalog.text("utter_handoff_back"), 0, utter_action="utter_handoff_back", measured=False)
        w.action("action_listen", policy=None)
        w.truth.handoff_reason = reason
        w.ticket = _PendingTicket(
            {
                "channel": w.channel,
                "sender_id": w.sender_id,
                "identity_kind": "anonymous",
                "customer_id": None,
                "employee_id": None,
                "identity_name": None,
                "reason": reason,
                "status": "closed",
                "summary": {},
                "transcript": [line.to_dict() for line in transcript],
                "message": None,
                "agent": agent,
                "created_at": datetime.fromtimestamp(opened, UTC),
                "taken_at": datetime.fromtimestamp(taken, UTC),
                "closed_at": datetime.fromtimestamp(closed, UTC),
            },
            reply,
        )
        self.maybe_rating(w, good=self.rng.random() < 0.6)

    # -- a conversation and a day -------------------------------------------------------------------

    def conversation(self, index: int, day: date) -> ConversationWriter:
        channel = self.rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        sender = f"demo-{channel}-{self.seed}-{index:07d}"
        writer = ConversationWriter(sender, channel, self.start_time(day), self.rng)
        writer.session_start()
        options = self.scenarios(channel)
        scenario = self.rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
        scenario(writer)
        return writer

    def days(self, conversations: int, days: int) -> Iterator[tuple[date, list[ConversationWriter]]]:
        index = 0
        for day, count in self.day_counts(conversations, days):
            writers = []
            for _ in range(count):
                writers.append(self.conversation(index, day))
                index += 1
            yield day, writers
