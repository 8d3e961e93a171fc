"""The search vocabulary: which words mean which colour, garment, object, posture, motion or behaviour.

Each entry maps a word or phrase (lower case, up to four words) to a :class:`Sense`. Synonyms point at
the same canonical term (``crimson`` → red, ``rucksack`` → backpack, ``beanie`` → hat, ``hoodie`` →
hooded jacket, ``jeans`` → lower-body garment). Words about gender, age, ethnicity, identity and
emotion are listed too, in :data:`PRIVACY`, so that they are recognised and reported as not used,
never matched on. Words the lexicon lacks go to the sentence embedder (:mod:`camsight.search.parser`),
which maps them to the nearest entry here.

The colour names are the describer's: :data:`COLOURS`. Neighbouring names get partial credit in the
ranking (:data:`COLOUR_SIMILARITY`) because the border between, say, grey and white, or navy and black,
is soft under real light.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

COLOURS: tuple[str, ...] = (
    "black",
    "grey",
    "white",
    "red",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "brown",
    "beige",
    "navy",
    "light blue",
)
"""Colour names a region can have; ``navy`` and ``light blue`` are shades of ``blue`` (their shares are part of it)."""

BLUE_SHADES = ("navy", "light blue")
"""Shades reported inside ``blue``."""

CARRIED: tuple[str, ...] = ("backpack", "handbag", "suitcase", "umbrella")
"""Objects a person can be seen carrying (COCO classes)."""

POSTURES: tuple[str, ...] = ("standing", "sitting", "lying")
"""Postures a query can ask for."""

MOTIONS: tuple[str, ...] = ("still", "walking", "running", "moving")
"""Motions a track can have."""

RIDDEN: tuple[str, ...] = ("bicycle", "motorcycle")
"""Vehicles a person can ride."""

VEHICLES: tuple[str, ...] = ("car", "truck", "bus", "motorcycle")
"""Classes meant by "vehicle"."""

DARK: tuple[str, ...] = ("black", "navy", "grey", "brown")
"""Colours meant by "dark" on its own."""

LIGHT: tuple[str, ...] = ("white", "beige", "light blue", "grey")
"""Colours meant by "light"/"pale" on its own."""


@dataclass(frozen=True, slots=True)
class Sense:
    """What one lexicon entry means; every field optional.

    Attributes:
        term: Canonical term shown back (and embedded for the semantic fallback).
        colours: Colour names (alternatives).
        shade: ``dark``/``light`` modifier for the next colour.
        region: Body region of a garment (``head``, ``upper``, ``lower``, ``body``).
        garment: Canonical garment name.
        headwear: Head wear present (True) or absent (False).
        classes: Object classes (alternatives).
        carried: A carried object.
        posture: A posture.
        motion: Acceptable motions.
        riding: A ridden vehicle.
        behaviour: An event kind.
        patterned: Several colours on the upper body.
        negation: "no"/"without": negates the next head wear or carried object.
        privacy: Why this word is never used for matching.
        pattern: Kind of pattern (striped, checked, floral), with ``patterned``.
        headwear_kind: Kind of head wear (cap, beanie, helmet, hood, hat), with ``headwear``.
    """

    term: str
    colours: tuple[str, ...] = ()
    shade: str | None = None
    region: str | None = None
    garment: str | None = None
    headwear: bool | None = None
    classes: tuple[str, ...] = ()
    carried: str | None = None
    posture: str | None = None
    motion: tuple[str, ...] = ()
    riding: str | None = None
    behaviour: str | None = None
    patterned: bool = False
    negation: bool = False
    privacy: str | None = None
    pattern: str | None = None
    headwear_kind: str | None = None


def _colours() -> dict[str, Sense]:
    base = {c: (c,) for c in COLOURS}
    synonyms: dict[str, tuple[str, ...]] = {
        "gray": ("grey",),
        "silver": ("grey",),
        "charcoal": ("grey",),
        "ash": ("grey",),
        "slate": ("grey",),
        "crimson": ("red",),
        "scarlet": ("red",),
        "maroon": ("red", "brown"),
        "burgundy": ("red",),
        "ruby": ("red",),
        "cherry": ("red",),
        "wine": ("red",),
        "amber": ("orange",),
        "coral": ("orange", "pink"),
        "gold": ("yellow",),
        "golden": ("yellow",),
        "mustard": ("yellow",),
        "lemon": ("yellow",),
        "olive": ("green",),
        "lime": ("green",),
        "emerald": ("green",),
        "teal": ("green", "blue"),
        "khaki": ("beige", "green"),
        "cyan": ("light blue",),
        "turquoise": ("light blue", "green"),
        "azure": ("light blue",),
        "sky blue": ("light blue",),
        "baby blue": ("light blue",),
        "pale blue": ("light blue",),
        "navy blue": ("navy",),
        "dark blue": ("navy",),
        "royal blue": ("blue",),
        "denim": ("blue",),
        "violet": ("purple",),
        "lilac": ("purple",),
        "lavender": ("purple",),
        "mauve": ("purple",),
        "magenta": ("pink", "purple"),
        "fuchsia": ("pink",),
        "rose": ("pink",),
        "tan": ("beige", "brown"),
        "chocolate": ("brown",),
        "cream": ("beige", "white"),
        "ivory": ("white",),
        "off-white": ("white", "beige"),
        "camel": ("beige", "brown"),
        "sand": ("beige",),
        "hi-vis": ("yellow", "orange"),
        "high-vis": ("yellow", "orange"),
        "neon": ("yellow", "green"),
    }
    out = {name: Sense(term=name, colours=cols) for name, cols in {**base, **synonyms}.items()}
    for word in ("dark", "darker", "deep"):
        out[word] = Sense(term="dark", shade="dark")
    for word in ("light", "lighter", "pale", "pastel"):
        out[word] = Sense(term="light", shade="light")
    return out


_GARMENTS: dict[str, tuple[str, str]] = {
    # word: (canonical garment, region)
    "shirt": ("shirt", "upper"),
    "t-shirt": ("t-shirt", "upper"),
    "tshirt": ("t-shirt", "upper"),
    "tee": ("t-shirt", "upper"),
    "top": ("top", "upper"),
    "blouse": ("top", "upper"),
    "tank top": ("top", "upper"),
    "polo": ("shirt", "upper"),
    "jersey": ("top", "upper"),
    "sweater": ("sweater", "upper"),
    "jumper": ("sweater", "upper"),
    "pullover": ("sweater", "upper"),
    "sweatshirt": ("sweater", "upper"),
    "fleece": ("sweater", "upper"),
    "cardigan": ("cardigan", "upper"),
    "cardie": ("cardigan", "upper"),
    "jacket": ("jacket", "upper"),
    "blazer": ("jacket", "upper"),
    "windbreaker": ("jacket", "upper"),
    "coat": ("coat", "upper"),
    "overcoat": ("coat", "upper"),
    "raincoat": ("coat", "upper"),
    "parka": ("coat", "upper"),
    "anorak": ("coat", "upper"),
    "hoodie": ("hooded jacket", "upper"),
    "hooded jacket": ("hooded jacket", "upper"),
    "hooded top": ("hooded jacket", "upper"),
    "hooded sweatshirt": ("hooded jacket", "upper"),
    "vest": ("vest", "upper"),
    "waistcoat": ("vest", "upper"),
    "gilet": ("vest", "upper"),
    "safety vest": ("vest", "upper"),
    "tabard": ("vest", "upper"),
    "uniform": ("uniform", "body"),
    "sleeves": ("top", "upper"),
    "sleeveless top": ("top", "upper"),
    "trousers": ("trousers", "lower"),
    "pants": ("trousers", "lower"),
    "slacks": ("trousers", "lower"),
    "chinos": ("trousers", "lower"),
    "joggers": ("trousers", "lower"),
    "sweatpants": ("trousers", "lower"),
    "leggings": ("trousers", "lower"),
    "jeans": ("jeans", "lower"),
    "shorts": ("shorts", "lower"),
    "skirt": ("skirt", "lower"),
    "shoes": ("shoes", "lower"),
    "sneakers": ("shoes", "lower"),
    "trainers": ("shoes", "lower"),
    "boots": ("shoes", "lower"),
    "dress": ("dress", "body"),
    "gown": ("dress", "body"),
    "robe": ("dress", "body"),
    "overalls": ("overalls", "body"),
    "jumpsuit": ("overalls", "body"),
    "coveralls": ("overalls", "body"),
    "boiler suit": ("overalls", "body"),
    "suit": ("suit", "body"),
    "tracksuit": ("suit", "body"),
    "outfit": ("outfit", "body"),
    "clothes": ("outfit", "body"),
    "clothing": ("outfit", "body"),
    "hair": ("hair", "head"),
}

_HEADWEAR = (
    "hat",
    "cap",
    "baseball cap",
    "beanie",
    "helmet",
    "hard hat",
    "hardhat",
    "safety helmet",
    "bike helmet",
    "cycling helmet",
    "beret",
    "bonnet",
    "hood",
    "headwear",
    "headgear",
    "head covering",
    "bucket hat",
    "sun hat",
    "woolly hat",
    "wooly hat",
    "toque",
    "fedora",
)

_OBJECTS: dict[str, Sense] = {
    **{
        w: Sense(term="person", classes=("person",))
        for w in (
            "person",
            "people",
            "persons",
            "couple",
            "couples",
            "pair",
            "someone",
            "somebody",
            "anyone",
            "anybody",
            "pedestrian",
            "individual",
            "human",
            "humans",
            "figure",
            "walker",
            "worker",
            "workman",
            "labourer",
            "laborer",
            "builder",
            "staff",
            "employee",
            "guard",
            "security guard",
            "visitor",
            "customer",
            "shopper",
            "passer-by",
            "passerby",
            "student",
            "people's",
            "crowd member",
            "operator",
            "courier",
            "delivery person",
            "officer",
        )
    },
    **{
        w: Sense(term="car", classes=("car",))
        for w in (
            "car",
            "sedan",
            "saloon",
            "hatchback",
            "suv",
            "estate",
            "taxi",
            "cab",
            "coupe",
            "convertible",
            "sports car",
            "jeep",
            "automobile",
        )
    },
    "van": Sense(term="van", classes=("car", "truck")),
    "minivan": Sense(term="van", classes=("car", "truck")),
    **{w: Sense(term="truck", classes=("truck",)) for w in ("truck", "lorry", "pickup", "pickup truck", "hgv")},
    **{w: Sense(term="bus", classes=("bus",)) for w in ("bus", "coach", "minibus")},
    **{w: Sense(term="vehicle", classes=VEHICLES) for w in ("vehicle", "vehicles", "traffic", "auto")},
    **{w: Sense(term="motorcycle", classes=("motorcycle",)) for w in ("motorcycle", "motorbike", "scooter", "moped")},
    **{w: Sense(term="bicycle", classes=("bicycle",)) for w in ("bicycle", "bike", "cycle", "push bike")},
    **{
        w: Sense(term="cyclist", classes=("person", "bicycle"), riding="bicycle")
        for w in (
            "cyclist",
            "bicyclist",
            "biker",
            "rider",
            "riding a bike",
            "riding a bicycle",
            "on a bike",
            "on a bicycle",
            "cycling",
        )
    },
    **{
        w: Sense(term="motorcyclist", classes=("person", "motorcycle"), riding="motorcycle")
        for w in (
            "motorcyclist",
            "motorbiker",
            "riding a motorbike",
            "riding a motorcycle",
            "on a motorbike",
            "on a motorcycle",
        )
    },
}

_CARRIED: dict[str, str] = {
    "backpack": "backpack",
    "rucksack": "backpack",
    "knapsack": "backpack",
    "daypack": "backpack",
    "school bag": "backpack",
    "handbag": "handbag",
    "purse": "handbag",
    "bag": "handbag",
    "tote": "handbag",
    "tote bag": "handbag",
    "shoulder bag": "handbag",
    "shopping bag": "handbag",
    "briefcase": "handbag",
    "satchel": "handbag",
    "suitcase": "suitcase",
    "luggage": "suitcase",
    "baggage": "suitcase",
    "trolley bag": "suitcase",
    "roller bag": "suitcase",
    "wheeled bag": "suitcase",
    "case": "suitcase",
    "umbrella": "umbrella",
    "brolly": "umbrella",
    "parasol": "umbrella",
}

_POSTURE: dict[str, str] = {
    "standing": "standing",
    "stands": "standing",
    "stood": "standing",
    "standing up": "standing",
    "upright": "standing",
    "sitting": "sitting",
    "sits": "sitting",
    "sat": "sitting",
    "seated": "sitting",
    "sitting down": "sitting",
    "sat down": "sitting",
    "sitting on": "sitting",
    "on a chair": "sitting",
    "at a desk": "sitting",
    "at desks": "sitting",
    "lying": "lying",
    "lies": "lying",
    "laying": "lying",
    "lying down": "lying",
    "lying on the floor": "lying",
    "on the floor": "lying",
    "on the ground": "lying",
    "prone": "lying",
    "horizontal": "lying",
}

_MOTION: dict[str, tuple[str, ...]] = {
    "walking": ("walking",),
    "walks": ("walking",),
    "walked": ("walking",),
    "strolling": ("walking",),
    "wandering": ("walking",),
    "pacing": ("walking",),
    "running": ("running",),
    "runs": ("running",),
    "ran": ("running",),
    "runner": ("running",),
    "jogging": ("running",),
    "jogger": ("running",),
    "sprinting": ("running",),
    "rushing": ("running",),
    "hurrying": ("running",),
    "fleeing": ("running",),
    "still": ("still",),
    "stationary": ("still",),
    "motionless": ("still",),
    "not moving": ("still",),
    "idle": ("still",),
    "parked": ("still",),
    "stopped": ("still",),
    "standing still": ("still",),
    "waiting": ("still",),
    "moving": ("walking", "running", "moving"),
    "driving": ("moving",),
    "passing": ("walking", "running", "moving"),
    "passing by": ("walking", "running", "moving"),
    "crossing": ("walking", "running", "moving"),
    "speeding": ("moving", "running"),
}

_BEHAVIOUR: dict[str, tuple[str, str | None]] = {
    # word: (event kind, implied posture)
    "loitering": ("loitering", None),
    "loiter": ("loitering", None),
    "loiterer": ("loitering", None),
    "lingering": ("loitering", None),
    "hanging around": ("loitering", None),
    "hanging about": ("loitering", None),
    "waiting around": ("loitering", None),
    "dwelling": ("loitering", None),
    "crowd": ("crowd", None),
    "crowds": ("crowd", None),
    "crowded": ("crowd", None),
    "group": ("crowd", None),
    "groups": ("crowd", None),
    "gathering": ("crowd", None),
    "gathered": ("crowd", None),
    "together": ("crowd", None),
    "huddle": ("crowd", None),
    "huddled": ("crowd", None),
    "cluster": ("crowd", None),
    "bunch": ("crowd", None),
    "in a crowd": ("crowd", None),
    "talking": ("crowd", None),
    "chatting": ("crowd", None),
    "fall": ("person_down", "lying"),
    "falls": ("person_down", "lying"),
    "fell": ("person_down", "lying"),
    "fallen": ("person_down", "lying"),
    "falling": ("person_down", "lying"),
    "fell over": ("person_down", "lying"),
    "fallen over": ("person_down", "lying"),
    "collapsed": ("person_down", "lying"),
    "collapsing": ("person_down", "lying"),
    "man down": ("person_down", "lying"),
    "person down": ("person_down", "lying"),
    "tripped": ("person_down", "lying"),
    "intrusion": ("zone_intrusion", None),
    "intruder": ("zone_intrusion", None),
    "trespassing": ("zone_intrusion", None),
    "trespasser": ("zone_intrusion", None),
    "line crossing": ("line_crossing", None),
    "crossed the line": ("line_crossing", None),
    "wrong way": ("wrong_way", None),
    "wrong direction": ("wrong_way", None),
}

_PATTERN = (
    "patterned",
    "floral",
    "flowery",
    "flowered",
    "striped",
    "stripy",
    "stripes",
    "checked",
    "checkered",
    "chequered",
    "plaid",
    "tartan",
    "spotted",
    "polka dot",
    "polka-dot",
    "printed",
    "print",
    "multicoloured",
    "multicolored",
    "colourful",
    "colorful",
    "camouflage",
    "camo",
    "embroidered",
)

# --- Special categories (issue 13): words that point at religion, sexual orientation, health or
# disability, political opinion or union membership. Never matched, dropped with the same notice as
# gender or age; merged last into PRIVACY, so a word listed under ethnicity before ("muslim") now gives
# the right reason. Kept in one block so other additions to the lexicon stay separate.
SPECIAL_CATEGORIES: dict[str, str] = {
    **dict.fromkeys(
        (
            "religion",
            "religious",
            "faith",
            "muslim",
            "muslims",
            "moslem",
            "islamic",
            "islam",
            "christian",
            "christians",
            "catholic",
            "protestant",
            "jewish",
            "jew",
            "jews",
            "orthodox",
            "hindu",
            "hindus",
            "sikh",
            "sikhs",
            "buddhist",
            "buddhists",
            "atheist",
            "mormon",
            "hijab",
            "hijabs",
            "hijabi",
            "niqab",
            "burqa",
            "burka",
            "chador",
            "turban",
            "turbaned",
            "kippah",
            "kippa",
            "yarmulke",
            "skullcap",
            "crucifix",
            "nun",
            "nuns",
            "monk",
            "monks",
            "priest",
            "rabbi",
            "imam",
        ),
        "religion",
    ),
    **dict.fromkeys(
        (
            "gay",
            "gays",
            "lesbian",
            "lesbians",
            "bisexual",
            "homosexual",
            "heterosexual",
            "queer",
            "lgbt",
            "lgbtq",
            "lgbtqia",
            "sexuality",
            "orientation",
        ),
        "sexual orientation",
    ),
    **dict.fromkeys(
        (
            "wheelchair",
            "wheelchairs",
            "disabled",
            "disability",
            "handicapped",
            "crutch",
            "crutches",
            "blind",
            "deaf",
            "amputee",
            "prosthetic",
            "paralysed",
            "paralyzed",
            "sick",
            "ill",
            "illness",
            "disease",
            "diabetic",
            "autistic",
            "pregnant",
            "health",
            "mental",
        ),
        "health",
    ),
    **dict.fromkeys(
        (
            "political",
            "politics",
            "democrat",
            "democrats",
            "republican",
            "republicans",
            "conservative",
            "conservatives",
            "liberal",
            "liberals",
            "tory",
            "tories",
            "communist",
            "communists",
            "socialist",
            "socialists",
            "fascist",
            "fascists",
            "nazi",
            "nazis",
            "anarchist",
            "leftist",
            "left-wing",
            "right-wing",
            "antifa",
            "maga",
            "activist",
            "activists",
        ),
        "political opinion",
    ),
    **dict.fromkeys(
        ("union", "unions", "unionist", "unionists", "unionised", "unionized", "trade union", "union member"),
        "union membership",
    ),
    # informal words for a man or a woman: gender, and never a typo of something else ("fella" is not "fell")
    **dict.fromkeys(("fella", "fellas", "fellow", "dude", "dudes", "chap", "chaps", "gent", "gents"), "gender"),
}
"""Words of the special categories (religion, orientation, health, politics, unions), with the reason."""

PRIVACY: dict[str, str] = {
    **dict.fromkeys(
        (
            "man",
            "men",
            "woman",
            "women",
            "boy",
            "boys",
            "girl",
            "girls",
            "guy",
            "guys",
            "lady",
            "ladies",
            "gentleman",
            "gentlemen",
            "male",
            "males",
            "female",
            "females",
            "masculine",
            "feminine",
            "he",
            "she",
            "him",
            "her",
            "his",
            "hers",
            "gal",
            "bloke",
            "lad",
            "lads",
            "mr",
            "mrs",
            "ms",
            "miss",
            "sir",
            "madam",
            "husband",
            "wife",
            "mother",
            "father",
            "mum",
            "mom",
            "dad",
            "son",
            "daughter",
            "brother",
            "sister",
            "transgender",
            "nonbinary",
            "non-binary",
        ),
        "gender",
    ),
    **dict.fromkeys(
        (
            "old",
            "older",
            "young",
            "younger",
            "elderly",
            "aged",
            "senior",
            "seniors",
            "child",
            "children",
            "kid",
            "kids",
            "teen",
            "teens",
            "teenager",
            "teenagers",
            "adult",
            "adults",
            "baby",
            "babies",
            "toddler",
            "infant",
            "youth",
            "middle-aged",
            "pensioner",
            "minor",
            "juvenile",
            "age",
        ),
        "age",
    ),
    **dict.fromkeys(
        (
            "asian",
            "african",
            "caucasian",
            "hispanic",
            "latino",
            "latina",
            "latinx",
            "arab",
            "arabic",
            "indian",
            "european",
            "ethnic",
            "ethnicity",
            "race",
            "racial",
            "skin",
            "skinned",
            "complexion",
            "chinese",
            "japanese",
            "korean",
            "mexican",
            "jewish",
            "muslim",
            "christian",
            "hindu",
            "native",
            "aboriginal",
            "mixed-race",
            "brown-skinned",
            "dark-skinned",
            "light-skinned",
            "nationality",
            "religion",
        ),
        "ethnicity",
    ),
    **dict.fromkeys(
        (
            "who",
            "identity",
            "identify",
            "identified",
            "recognise",
            "recognize",
            "face",
            "faces",
            "named",
            "called",
            "name",
            "same person",
            "same person as",
            "same as",
            "whoever",
        ),
        "identity",
    ),
    **dict.fromkeys(
        (
            "happy",
            "sad",
            "angry",
            "smiling",
            "crying",
            "upset",
            "scared",
            "afraid",
            "nervous",
            "emotion",
            "emotional",
            "mood",
            "suspicious-looking",
            "attractive",
            "ugly",
            "fat",
            "thin",
            "pregnant",
            "disabled",
            "beautiful",
            "pretty",
            "handsome",
        ),
        "appearance judgement",
    ),
    **SPECIAL_CATEGORIES,
}
"""Words never used for matching, with the reason given to the user."""

PERSON_NOUNS: frozenset[str] = frozenset(
    (
        "man",
        "men",
        "woman",
        "women",
        "boy",
        "boys",
        "girl",
        "girls",
        "guy",
        "guys",
        "lady",
        "ladies",
        "person",
        "people",
        "persons",
        "kid",
        "kids",
        "child",
        "children",
        "individual",
        "gentleman",
        "gentlemen",
        "male",
        "female",
        "folk",
        "folks",
        "someone",
        "family",
        "teen",
        "teenager",
        "adult",
    )
)
"""Nouns for people: a colour word right before one ("black man") may describe ethnicity, so it is not used."""
PERSON_NOUNS = PERSON_NOUNS | frozenset(
    ("fella", "fellas", "fellow", "dude", "dudes", "chap", "chaps", "gent", "gents", "nun", "nuns", "monk", "monks")
    + ("priest", "rabbi", "imam", "sikh", "sikhs", "muslim", "muslims", "hijabi", "amputee", "activist", "unionist")
)
"""Words for people among :data:`SPECIAL_CATEGORIES` count as people too ("a sikh in red": a person in red)."""

STOPWORDS: frozenset[str] = frozenset(
    (
        "a",
        "an",
        "the",
        "in",
        "on",
        "with",
        "wearing",
        "wears",
        "wore",
        "worn",
        "dressed",
        "of",
        "and",
        "or",
        "that",
        "which",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "having",
        "some",
        "any",
        "there",
        "this",
        "these",
        "those",
        "at",
        "by",
        "to",
        "from",
        "for",
        "up",
        "around",
        "seen",
        "look",
        "looking",
        "like",
        "just",
        "only",
        "very",
        "really",
        "please",
        "show",
        "find",
        "me",
        "all",
        "clip",
        "clips",
        "footage",
        "video",
        "videos",
        "frame",
        "frames",
        "image",
        "images",
        "picture",
        "pictures",
        "photo",
        "photos",
        "camera",
        "carrying",
        "carries",
        "carried",
        "holding",
        "holds",
        "held",
        "pulling",
        "pushing",
        "wheeling",
        "dragging",
        "towing",
        "lugging",
        "toting",
        "put",
        "puts",
        "into",
        "onto",
        "out",
        "off",
        "over",
        "under",
        "through",
        "something",
        "thing",
        "things",
        "object",
        "objects",
        "item",
        "items",
        "one",
        "ones",
        "two",
        "three",
        "several",
        "many",
        "few",
        "down",
        "near",
        "next",
        "beside",
        "behind",
        "front",
        "while",
        "where",
        "when",
        "it",
        "its",
        "their",
        "them",
        "they",
        "we",
        "i",
        "you",
        "get",
        "gets",
        "got",
        "go",
        "goes",
        "went",
        "come",
        "comes",
        "came",
        "coming",
        "going",
        "can",
        "could",
        "would",
        "should",
        "did",
        "do",
        "does",
        "doing",
        "anything",
        "sort",
        "kind",
        "type",
        "style",
        "coloured",
        "colored",
        "colour",
        "color",
        "bright",
        "big",
        "small",
        "large",
        "little",
        "long",
        "short",
        "knit",
        "knitted",
        "wool",
        "woollen",
        "woolen",
        "leather",
        "cotton",
        "plain",
        "button",
        "buttoned",
        "button-up",
        "zip",
        "zipped",
        "also",
        "both",
        "either",
        "not",
        "no",
        "without",
        "whilst",
        "other",
        "another",
        "each",
        "every",
        "full",
        "half",
        "sleeve",
        "round",
        "near",
        "inside",
        "outside",
        "area",
        "scene",
        "place",
        "spot",
        "floor",
        "ground",
    )
)
"""Function and filler words: skipped silently (not reported as unknown)."""

NEGATIONS: frozenset[str] = frozenset(("no", "without", "not", "bare", "bareheaded", "hatless"))
"""Words that negate the next head wear or carried object."""


def _build() -> dict[str, Sense]:
    lex: dict[str, Sense] = dict(_colours())
    for word, (garment, region) in _GARMENTS.items():
        lex[word] = Sense(term=garment, garment=garment, region=region)
    for word in _HEADWEAR:
        lex[word] = Sense(term="hat", headwear=True, region="head")
    lex.update(_OBJECTS)
    for word, item in _CARRIED.items():
        lex[word] = Sense(term=item, carried=item)
    for word, posture in _POSTURE.items():
        lex[word] = Sense(term=posture, posture=posture)
    for word, motion in _MOTION.items():
        lex[word] = Sense(term=word if len(motion) > 1 else motion[0], motion=motion)
    for word, (kind, implied) in _BEHAVIOUR.items():
        lex[word] = Sense(term=kind, behaviour=kind, posture=implied)
    for word in _PATTERN:
        lex[word] = Sense(term="patterned", patterned=True)
    lex["bareheaded"] = lex["bare-headed"] = lex["hatless"] = Sense(term="no hat", headwear=False)
    for word in ("no", "without", "not wearing", "not carrying"):
        lex[word] = Sense(term="not", negation=True)
    for word in ("standing", "stands", "stood", "standing still", "standing around", "standing about"):
        lex[word] = Sense(term="standing", posture="standing", motion=("still",))  # a walker is not "standing"
    for word, reason in PRIVACY.items():
        lex[word] = Sense(term=word, privacy=reason)
    return lex


# --- Body parts from pose: sleeves, pattern kinds, head wear kinds (additive; issue 13) ---------------------

POSE_GARMENT_WORDS: dict[str, str] = {
    "short sleeves": "short sleeves",
    "short sleeve": "short sleeves",
    "short-sleeved": "short sleeves",
    "short sleeved": "short sleeves",
    "sleeveless": "short sleeves",
    "bare arms": "short sleeves",
    "bare-armed": "short sleeves",
    "long sleeves": "long sleeves",
    "long sleeve": "long sleeves",
    "long-sleeved": "long sleeves",
    "long sleeved": "long sleeves",
}
"""Sleeve lengths (from pose: the forearms' skin share), as garments of the upper body."""

PATTERN_KINDS: dict[str, str] = {
    **dict.fromkeys(("striped", "stripy", "stripes", "stripe", "pinstriped", "pinstripe"), "striped"),
    **dict.fromkeys(("checked", "checkered", "chequered", "checks", "plaid", "tartan", "gingham"), "checked"),
    **dict.fromkeys(("floral", "flowery", "flowered", "flower print"), "floral"),
}
"""Pattern kinds: asked as such, matched as "patterned" (the describer's kinds are cues, not reliable)."""

HEADWEAR_KINDS: dict[str, str] = {
    **dict.fromkeys(("cap", "baseball cap", "peaked cap"), "cap"),
    **dict.fromkeys(("beanie", "woolly hat", "wooly hat", "toque", "knit hat", "bobble hat"), "beanie"),
    **dict.fromkeys(
        ("helmet", "hard hat", "hardhat", "safety helmet", "bike helmet", "cycling helmet", "crash helmet"), "helmet"
    ),
    **dict.fromkeys(("hood", "hooded", "hood up"), "hood"),
}
"""Head wear kinds: asked as such, matched as head wear (a cap cannot yet be told from a beanie)."""


def _pose_senses(lex: dict[str, Sense]) -> None:
    """Add the pose vocabulary to ``lex`` (sleeves; kinds on the pattern and head wear words)."""
    for word, garment in POSE_GARMENT_WORDS.items():
        lex[word] = Sense(term=garment, garment=garment, region="upper")
    for word, kind in PATTERN_KINDS.items():
        lex[word] = Sense(term=kind, patterned=True, pattern=kind)
    for word, kind in HEADWEAR_KINDS.items():
        if word == "hooded" and word in lex:
            continue
        lex[word] = Sense(term=kind, headwear=True, region="head", headwear_kind=kind)


def _build_all() -> dict[str, Sense]:
    lex = _build()
    privacy = {w: lex[w] for w in PRIVACY if w in lex}
    _pose_senses(lex)
    lex.update(privacy)  # a protected word stays protected
    return lex


LEXICON: dict[str, Sense] = _build_all()
"""Every known word and phrase (lower case) and its meaning."""

MAX_PHRASE = max(len(k.split()) for k in LEXICON)
"""Longest phrase in the lexicon, in words."""

EMBEDDABLE: dict[str, Sense] = {
    word: sense for word, sense in LEXICON.items() if sense.privacy is None and not sense.negation
}
"""Entries the sentence embedder may map an unknown word to (never a privacy word or a negation)."""


def _lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""

    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(v)) for v in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


_PROTOTYPES: dict[str, tuple[int, int, int]] = {
    "black": (25, 25, 25),
    "grey": (128, 128, 128),
    "white": (240, 240, 240),
    "red": (190, 30, 35),
    "orange": (240, 130, 20),
    "yellow": (235, 215, 40),
    "green": (50, 140, 60),
    "blue": (40, 90, 190),
    "purple": (115, 50, 140),
    "pink": (235, 150, 185),
    "brown": (115, 70, 35),
    "beige": (215, 195, 155),
    "navy": (25, 35, 85),
    "light blue": (145, 190, 230),
}


_NEIGHBOURS: dict[tuple[str, str], float] = {
    ("black", "grey"): 0.25,
    ("grey", "black"): 0.25,
    ("navy", "blue"): 0.4,
    ("light blue", "blue"): 0.4,
    ("red", "orange"): 0.25,
    ("orange", "red"): 0.25,
    ("orange", "yellow"): 0.25,
    ("yellow", "orange"): 0.25,
    ("red", "pink"): 0.2,
    ("pink", "red"): 0.25,
    ("brown", "beige"): 0.25,
    ("beige", "brown"): 0.25,
    ("brown", "orange"): 0.2,
    ("green", "blue"): 0.15,
    ("white", "grey"): 0.3,
    ("grey", "white"): 0.3,
}
"""Neighbours across a hue or lightness border that the describer splits sharply; credit beyond ΔE's."""


def _similarity() -> dict[str, dict[str, float]]:
    """Partial credit between colour names: ``exp(-(ΔE/30)²)`` between typical CIELAB values, 0 below 0.15.

    ``blue`` contains its shades, so "blue" fully matches ``navy`` and ``light blue`` shares (the
    ranking counts each pixel once: shades, then the rest of blue).
    """
    labs = {name: _lab(rgb) for name, rgb in _PROTOTYPES.items()}
    table: dict[str, dict[str, float]] = {}
    for q in COLOURS:
        row: dict[str, float] = {}
        for c in COLOURS:
            d2 = sum((a - b) ** 2 for a, b in zip(labs[q], labs[c], strict=True))
            value = float(2.718281828 ** (-d2 / 30.0**2))
            if value >= 0.15:
                row[c] = round(value, 2)
        table[q] = row
    for shade in BLUE_SHADES:
        table["blue"][shade] = 1.0
    for (asked, seen), value in _NEIGHBOURS.items():
        table[asked][seen] = max(table[asked].get(seen, 0.0), value)
    return table


COLOUR_SIMILARITY: dict[str, dict[str, float]] = _similarity()
"""``COLOUR_SIMILARITY[asked][seen]``: credit (0..1) a region coloured ``seen`` gets when ``asked`` is searched."""


# --- Text for encoders (issue 13) --------------------------------------------------------------------

PROTECTED_TYPO_CUTOFF = 0.8
"""Least :class:`difflib.SequenceMatcher` ratio for a word of 5+ letters to be taken as a misspelt protected
word (lower than the parser's typo cutoff: when in doubt, a word that may point at a protected trait is not used)."""

_ENCODER_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_PROTECTED_WORDS = sorted((w for w in PRIVACY if w.isalpha()), key=len)


def protected_reason(word: str) -> str | None:
    """Why ``word`` (lower case, one word) is not used: a protected word or a likely misspelling of one."""
    if word in PRIVACY:
        return PRIVACY[word]
    if len(word) < 5 or word in LEXICON:
        return None
    close = difflib.get_close_matches(word, _PROTECTED_WORDS, n=1, cutoff=PROTECTED_TYPO_CUTOFF)
    return PRIVACY[close[0]] if close else None


def scrub_protected(text: str) -> str:
    """``text`` without the words (and phrases) that are never used, for an open-vocabulary text encoder.

    Words for people become "person"; a phrase of :data:`PRIVACY` ("same person as") goes whole.
    """
    lower = text.replace("’", "'").lower()
    for phrase in sorted((w for w in PRIVACY if " " in w), key=len, reverse=True):
        lower = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", lower)
    words = []
    for word in _ENCODER_WORD.findall(lower):
        if protected_reason(word) is None:
            words.append(word)
        elif word in PERSON_NOUNS:
            words.append("person")
    return " ".join(words)
