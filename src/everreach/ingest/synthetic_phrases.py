"""What the people of the synthetic export say, by intent: ordinary, varied phrasings with slots to fill.

Written for the generator in `synthetic.py`; each pool expresses one intent of DESIGN.md §3 (or small talk),
and the pains paraphrase the seed's fit signals in a contact's own words.
"""

from __future__ import annotations

from collections.abc import Mapping

SLOTS: Mapping[str, tuple[str, ...]] = {
    "thing": ("my new landing page", "the pricing page", "this logo", "my bio", "the launch email", "these two names",
              "the new menu", "my portfolio", "the onboarding flow", "this caption"),
    "update": ("we signed our first big client", "the shop finally opened", "i hit 1k subscribers",
               "i moved into the new studio", "the app got approved", "i ran my first workshop",
               "we shipped the redesign", "i got the grant", "my first order came in overnight"),
    "project": ("a booking tool for yoga teachers", "a newsletter for first-time founders",
                "a tiny bakery with a preorder list", "a podcast about slow travel", "an online watercolor course",
                "a coaching practice for new managers", "a vintage furniture shop", "a meal prep service"),
    "resource": ("the template i use", "my checklist", "that article on pricing", "the swipe file",
                 "my notes from the workshop", "the spreadsheet i mentioned", "a short guide i wrote"),
    "service": ("the whole follow-up system", "a content plan for next month", "the automation for your inbox",
                "a proper booking setup", "a launch plan"),
    "topic": ("the launch", "the new job", "the move", "the studio", "your mom", "the book", "the course", "the trip"),
    "feeling": ("anxious", "excited", "overwhelmed", "hopeful", "tired", "proud", "nervous", "stoked"),
    "name": ("Priya", "Jonas", "Marta", "Leo", "Aiko", "Sofía", "Tom", "Amara"),
    "skill": ("bookkeeping", "video editing", "copywriting", "wordpress", "paid ads", "packaging design"),
    "link": ("https://docs.example.com/{n}", "https://drive.example.com/file/{n}", "https://notes.example.com/p/{n}"),
}  # fmt: skip

#: Pains in the contact's own words, keyed by the seed fit signal they express.
PAINS: Mapping[str, tuple[str, ...]] = {
    "everreach/follow_up_messy": ("i keep dropping the ball on getting back to people",
                                  "half my leads go quiet because i never circle back",
                                  "people message me and i forget to answer for weeks"),
    "everreach/network_messy": ("my inbox is a total mess right now", "i have 200 unread dms and no system at all"),
    "everreach/dont_want_to_spam": ("reaching out feels so pushy to me, i avoid it",),
    "matrixloop/content_not_converting": ("my posts get likes but nobody actually buys",
                                          "lots of views, zero sales, not sure what's wrong"),
    "keywordradar/no_topics": ("every monday i stare at a blank page wondering what to post",
                               "i've completely run out of things to post about"),
    "keywordradar/needs_topics_hooks": ("people scroll right past my reels, the first line never lands",),
    "services/manual_overload": ("i'm doing all of this by hand and it takes my whole evening",
                                 "the admin side is eating my entire week"),
    "services/needs_automation": ("i copy paste the same replies all day, there must be a smarter way",),
}  # fmt: skip
PAIN_FRAMES = (
    "honestly {pain}",
    "ugh, {pain}",
    "{pain} 😩",
    "it happened again: {pain}",
    "{pain}, no idea how to fix it",
)

INBOUND: Mapping[str, tuple[str, ...]] = {
    "asks_opinion": ("what do you think of {thing}?", "be honest, does {thing} look ok?",
                     "would love your take on {thing}", "quick gut check on {thing}?",
                     "if you were me would you change {thing}?"),
    "shares_update": ("update: {update}", "guess what, {update}", "small win today, {update}", "{update} 🎉",
                      "so {update}, still processing it"),
    "describes_project": ("i'm working on {project}", "so the thing i'm building is {project}",
                          "been heads down on {project} lately", "my side project right now is {project}"),
    "asks_for_help": ("could you help me figure out {thing}?", "do you know anyone who's good with {skill}?",
                      "any chance you could look at {thing} for me?"),
    "says_yes": ("yes please!", "oh that would be amazing, yes", "yes let's do it", "sure, send it over!",
                 "honestly yes, i'd love that"),
    "thanks": ("thank you so much, this helped", "you're the best, seriously thanks", "this is so useful, thank you!!",
               "thanks for thinking of me ❤️", "merci, that was exactly what i needed"),
    "refers_someone": ("you should talk to my friend {name}, she's dealing with the same thing",
                       "my cousin {name} needs exactly what you do, can i connect you two?"),
    "deep": ("i've been feeling {feeling} about {topic} lately", "can i vent for a sec? {topic} is wearing me down",
             "i'm so {feeling} about {topic}, i keep thinking about it",
             "we talked about {topic} all night, i cried a bit",
             "my family keeps asking about {topic} and i don't know what to say", "i'm {feeling} but mostly okay"),
    "casual": ("haha same", "ok", "lol", "how's your week?", "did you see the game last night?",
               "sounds good, talk soon",
               "no rush, whenever you have a sec", "omg yes", "café meetup next week?", "日本語のメッセージもあるよ"),
    "compliment": ("loved your last reel!", "your posts always make my day", "just found your page, great stuff",
                   "hi! big fan of what you're doing"),
    "spam": ("invest now and double your money in a week 💰", "join our crypto signals group, 300% returns",
             "free bitcoin giveaway!! send 50 usdt to get 500", "forex trading signals, dm me to start today",
             "nft drop tonight, limited spots, invest now"),
}  # fmt: skip

OUTBOUND: Mapping[str, tuple[str, ...]] = {
    "promise": ("i'll send you {resource} tonight", "let me dig up {resource}, i'll send it tomorrow",
                "i have {resource} somewhere, i'll share it later today", "i'll intro you to {name} this week"),
    "delivers_value": ("here it is: {link}", "as promised, {resource}: {link}",
                       "found it! {link} (the second section is the useful part)", "sent you {resource}: {link}"),
    "offer": ("if you want, i could set up {service} for you, it's a paid thing. interested?",
              "i actually offer {service}, want the details?",
              "happy to do {service} for you properly, want me to send pricing?"),
    "question": ("how's {topic} going?", "what are you focused on this month?", "how did {topic} go in the end?",
                 "what's the hardest part right now?", "what would make this week a good one for you?"),
    "support": ("that sounds really hard, i'm here", "so proud of you", "that's huge, congrats!!",
                "ugh, sorry, that's a lot", "you've got this, honestly"),
    "casual": ("haha", "sounds good", "talk soon!", "ok cool", "lol yes", "same here honestly"),
}  # fmt: skip
