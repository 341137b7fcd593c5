"""Writes the page's built-in sample datasets (small, made from templates written for
Tunelab): reviews.csv (sentiment of short English product and film reviews), entities.conll
(English people, places and organisations) and entities-zh.json (the same kinds of entity in
Simplified Chinese, in CLUENER's JSON format: character offsets, end inclusive). Run from
this folder; the output is deterministic."""

import csv
import json
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


# Simplified Chinese, CLUENER's labels: name, address, company, organization.
rng_zh = random.Random(7)
NAMES_ZH = ["李明", "王芳", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏", "徐强", "孙悦",
            "马超", "朱琳", "胡军", "郭晓", "林峰", "何雪", "高远", "罗娟"]
ADDRESSES_ZH = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆", "苏州", "天津",
                "长沙", "青岛", "厦门", "昆明"]
COMPANIES_ZH = ["腾讯", "阿里巴巴", "华为", "小米", "百度", "京东", "网易", "美团", "比亚迪", "联想"]
ORGS_ZH = ["北京大学", "清华大学", "红十字会", "中国科学院", "复旦大学", "世界卫生组织", "浙江大学", "国家图书馆"]
TEMPLATES_ZH = [
    "{name}在{address}的{company}工作。",
    "{name}昨天去了{address}。",
    "{organization}的专家{name}今天发表了报告。",
    "{company}宣布在{address}开设新的办公室。",
    "{name}和{name2}一起参观了{organization}。",
    "据{organization}消息，{address}的房价又上涨了。",
    "{name}从{address}搬到了{address2}。",
    "这个周末{address}的天气一直很好。",
    "会议比大家预想的结束得早。",
    "{name}给{name2}打电话谈{company}的新产品。",
    "{company}的工程师{name}获得了{organization}的奖励。",
    "今年{address}的游客比去年多。",
]
POOLS_ZH = {"name": NAMES_ZH, "address": ADDRESSES_ZH, "company": COMPANIES_ZH, "organization": ORGS_ZH}


def cluener(template):
    text, label, used = "", {}, []
    rest = template
    while "{" in rest:
        before, after = rest.split("{", 1)
        key, rest = after.split("}", 1)
        kind = key.rstrip("2")
        value = rng_zh.choice([x for x in POOLS_ZH[kind] if x not in used])
        used.append(value)
        text += before
        start = len(text)
        text += value
        label.setdefault(kind, {}).setdefault(value, []).append([start, len(text) - 1])
    text += rest
    return {"text": text, "label": label}


with open("entities-zh.json", "w", encoding="utf-8") as f:
    for _ in range(300):
        f.write(json.dumps(cluener(rng_zh.choice(TEMPLATES_ZH)), ensure_ascii=False) + "\n")
