"""What the people in the demo history say, and what the documents answer them (demo/history_scenarios.py).

Only the users' side and the documents' answers live here: every bot reply is rendered from the
reply catalog (assistant/catalog.py), like the live assistant's, so a wording change reaches both.
"""

from __future__ import annotations

FIRST_NAMES = ("Ravi", "Anna", "Tom", "Sofia", "Lucas", "Emma", "Noah", "Mila", "Daan", "Julia", "Omar", "Lena")
LAST_NAMES = ("Silva", "de Vries", "Jansen", "Bianchi", "Novak", "Okafor", "Muller", "Smit", "Kowalski", "Haddad")

GREETINGS = ("hi", "hello", "hey there", "good morning", "hi!", "hello, anyone there?")
THANKS = ("thanks", "thank you!", "great, thanks", "perfect, thank you")
GOODBYES = ("bye", "that's all, bye", "goodbye", "ok bye")
ORDER_QUESTIONS = (
    "where is my order?",
    "has my order shipped yet?",
    "when will my parcel arrive?",
    "can you check my order status",
    "I'm still waiting for my delivery",
    "tracking number for my order please",
)
INVOICE_QUESTIONS = ("how much do I owe?", "what's my balance?", "do I have open invoices?", "when is my invoice due?")
HR_QUESTIONS = (
    ("leave_balance", "how many vacation days do I have left?", "action_leave_balance"),
    ("leave_balance", "what's my leave balance", "action_leave_balance"),
    ("payday", "when is the next payday?", "action_payday"),
    ("leave_used", "how many days off have I taken this year?", "action_leave_used"),
    ("leave_request_status", "what's the status of my leave request?", "action_leave_request_status"),
)
# Questions the documents answer: (question, answer, source path, source title).
ANSWERED = (
    (
        "what's your return policy?",
        "You can return most items within 30 days of delivery for a full refund.",
        "returns-and-refunds.md",
        "Returns and refunds",
    ),
    (
        "do you ship to Canada?",
        "We ship to the EU, the UK, the US and Canada; shipping to Canada takes 6–10 working days.",
        "shipping.md",
        "Shipping: where we deliver and what it costs",
    ),
    (
        "how long does delivery take?",
        "Orders within the Netherlands arrive in 1–2 working days, elsewhere in the EU in 2–5.",
        "delivery-times.md",
        "Delivery times",
    ),
    (
        "which payment methods do you accept?",
        "We accept iDEAL, credit and debit cards, PayPal and bank transfer for invoices.",
        "payment-methods.md",
        "Payment methods",
    ),
    (
        "is there a warranty on the garden bench?",
        "Furniture comes with a 2-year warranty against manufacturing defects.",
        "warranty.html",
        "Warranty",
    ),
    (
        "how do I look after the cedar planter?",
        "The outside may be oiled with a plant-safe oil once a year; always use the liner.",
        "product-care.txt",
        "Product Care",
    ),
    (
        "what happens if I pay my invoice late?",
        "After the due date we send a reminder; a late fee of €5 applies after 14 days.",
        "invoices-and-late-fees.md",
        "Invoices, reminders and late fees",
    ),
    (
        "how do I delete my account?",
        "You can ask us to delete your account and personal data from the privacy page or by e-mail.",
        "privacy.md",
        "Privacy and your personal data",
    ),
)
# Questions the documents do not answer, by topic (the knowledge gaps a dashboard should surface).
GAPS: dict[str, tuple[tuple[str, ...], int]] = {
    "gift cards": (
        (
            "do you sell gift cards?",
            "can I buy a gift voucher?",
            "is there a gift card I can give my mum?",
            "do you have e-gift cards?",
            "gift certificate for a friend's birthday",
            "can I pay with a gift card?",
        ),
        9,
    ),
    "price match": (
        (
            "do you price match?",
            "will you match a cheaper price from another shop?",
            "I saw the same bench cheaper elsewhere, can you match it?",
            "is there a price match guarantee?",
        ),
        6,
    ),
    "shops": (
        (
            "where is your nearest store?",
            "do you have a physical shop in Amsterdam?",
            "can I visit a showroom to see the furniture?",
            "what are the opening hours of your shop?",
        ),
        5,
    ),
    "student discount": (
        (
            "do you have a student discount?",
            "any discounts for students?",
            "is there a discount for teachers or students?",
        ),
        4,
    ),
    "assembly": (
        (
            "do you offer assembly for the garden furniture?",
            "can someone assemble the bench for me?",
            "is installation included with the pergola?",
        ),
        3,
    ),
    "business orders": (
        (
            "can I order 200 planters for my company?",
            "do you do wholesale pricing?",
            "is there a bulk discount for business orders?",
        ),
        2,
    ),
}
WHILE_WAITING = (
    "hi, it's about what I asked above",
    "thanks for picking this up",
    "my parcel never arrived and the tracking hasn't moved",
    "I was charged twice for one order",
)
FALLBACK_INPUTS = ("asdf", "what about the thing", "can u do it", "hmm ok and then", "blue?")
OUT_OF_SCOPE = ("what's the weather tomorrow?", "tell me a joke", "who won the match yesterday?", "book me a taxi")
