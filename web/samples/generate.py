"""Writes the page's built-in sample datasets (small, English, made from templates written for
Tunelab): reviews.csv (sentiment of short product and film reviews) and entities.conll (people,
places and organisations). Run from this folder; the output is deterministic."""

import csv
import random

rng = random.Random(42)

THINGS = ["film", "movie", "book", "album", "phone", "laptop", "coffee maker", "game", "series",
          "restaurant", "hotel", "headphones", "camera", "novel", "play", "concert", "app", "bike"]
POS_ADJ = ["wonderful", "brilliant", "delightful", "excellent", "charming", "superb", "moving",
           "gorgeous", "clever", "reliable", "fantastic", "warm", "funny", "gripping", "lovely"]
NEG_ADJ = ["dull", "awful", "disappointing", "clumsy", "boring", "broken", "tedious", "noisy",
           "confusing", "flimsy", "bland", "slow", "painful", "forgettable", "overpriced"]
POS_TEMPLATES = [
    "The {t} was {a} from start to finish.",
    "What a {a} {t}; I would buy it again.",
    "I loved this {t}, it is {a} and {a2}.",
    "Honestly the most {a} {t} I have had in years.",
    "My whole family found the {t} {a}.",
    "A {a} {t} that is worth every penny.",
    "The {t} exceeded my expectations: {a} and {a2}.",
    "I keep recommending this {a} {t} to friends.",
    "Five stars, the {t} is simply {a}.",
    "Such a {a} surprise, the {t} made my week.",
]
NEG_TEMPLATES = [
    "The {t} was {a} from start to finish.",
    "What a {a} {t}; I want my money back.",
    "I regret buying this {t}, it is {a} and {a2}.",
    "Honestly the most {a} {t} I have had in years.",
    "My whole family found the {t} {a}.",
    "A {a} {t} that is not worth the price.",
    "The {t} fell short of my expectations: {a} and {a2}.",
    "I would warn friends away from this {a} {t}.",
    "One star, the {t} is simply {a}.",
    "Such a {a} letdown, the {t} ruined my week.",
]


def reviews(n):
    rows = []
    for i in range(n):
        positive = i % 2 == 0
        adj = POS_ADJ if positive else NEG_ADJ
        a, a2 = rng.sample(adj, 2)
        text = rng.choice(POS_TEMPLATES if positive else NEG_TEMPLATES).format(t=rng.choice(THINGS), a=a, a2=a2)
        rows.append((text, "positive" if positive else "negative"))
    rng.shuffle(rows)
    return rows


PEOPLE = ["Maria Lopez", "James Chen", "Aisha Bello", "Tom Becker", "Priya Nair", "Lucas Moreau",
          "Hannah Schmidt", "Kenji Tanaka", "Olga Ivanova", "Samuel Okafor", "Emma Wilson", "Diego Ramos",
          "Fatima Haddad", "Noah Fischer", "Grace Kim", "Ahmed Youssef", "Sofia Rossi", "Liam Murphy",
          "Chloe Martin", "Ravi Patel", "Ingrid Larsen", "Mateo Silva", "Yuki Sato", "Zara Ahmed"]
PLACES = ["Paris", "Nairobi", "Toronto", "Berlin", "Mumbai", "Lisbon", "Osaka", "Chicago", "Lagos",
          "Melbourne", "Oslo", "Lima", "Cairo", "Seattle", "Dublin", "Seoul", "Madrid", "Denver",
          "New York", "Buenos Aires", "Cape Town", "San Diego", "Hong Kong", "Rio de Janeiro"]
ORGS = ["Acme Corp", "the United Nations", "Greenleaf Bank", "Nova Motors", "the Red Cross",
        "Bluebird Airlines", "Orbit Labs", "the City Council", "Harbor University", "Sunrise Foods",
        "Polar Energy", "the Science Museum", "Quartz Media", "Atlas Shipping", "Maple Software"]
TEMPLATES = [
    "{PER} flew to {LOC} on Monday .",
    "{PER} joined {ORG} last year .",
    "{ORG} opened a new office in {LOC} .",
    "{PER} met {PER2} in {LOC} for lunch .",
    "The mayor of {LOC} thanked {ORG} for the donation .",
    "{PER} said that {ORG} will hire fifty people .",
    "Yesterday {PER} gave a talk at {ORG} in {LOC} .",
    "{ORG} and {ORG2} signed an agreement in {LOC} .",
    "We drove from {LOC} to {LOC2} with {PER} .",
    "{PER} is the new director of {ORG} .",
    "Tickets to {LOC} sold out within an hour , {PER} reported .",
    "According to {ORG} , prices in {LOC} rose again .",
    "{PER} grew up in {LOC} before moving to {LOC2} .",
    "The weather in {LOC} was sunny all week .",
    "Nobody expected the meeting to end so early .",
    "{PER} called {PER2} about the report from {ORG} .",
]


def tagged(template):
    used = {}
    tokens, tags = [], []
    for word in template.split():
        if word.startswith("{") and word.endswith("}") or (word.startswith("{") and "}" in word):
            key = word[1:word.index("}")]
            kind = key.rstrip("2")
            pool = {"PER": PEOPLE, "LOC": PLACES, "ORG": ORGS}[kind]
            choices = [x for x in pool if x not in used.values()]
            value = rng.choice(choices)
            used[key] = value
            for j, part in enumerate(value.split()):
                tokens.append(part)
                tags.append(("B-" if j == 0 else "I-") + kind)
        else:
            tokens.append(word)
            tags.append("O")
    return tokens, tags


def entities(n):
    return [tagged(rng.choice(TEMPLATES)) for _ in range(n)]


with open("reviews.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["text", "label"])
    w.writerows(reviews(300))

with open("entities.conll", "w") as f:
    for tokens, tags in entities(300):
        for token, tag in zip(tokens, tags):
            f.write(f"{token}\t{tag}\n")
        f.write("\n")
