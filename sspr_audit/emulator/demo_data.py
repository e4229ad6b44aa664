"""Fixed tables the demo tenant is drawn from: people, places, phone ranges, roles.

Kept apart from the generator so the generator reads as logic. Every phone
range below was checked with libphonenumber (``tests/test_tenant_generator.py``
samples it again): a number drawn from a range is valid for its country's
plan and of the kind the range is listed under. Fictional ranges come first
where the regulator publishes one that libphonenumber accepts (US/CA 555,
UK 020 7946 0 and 0113 496 0..., AU 02 5550 / 03 7010, FR 01 99 00, DE 030
23125); Ofcom's mobile drama range 07700 900 is *not* accepted by
libphonenumber, so the generator uses it only where a number must fail the
plan check.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """A range of national significant numbers: ``prefix`` then ``free`` digits, shown in ``groups``."""

    prefix: str
    free: int
    groups: tuple[int, ...]


@dataclass(frozen=True)
class Country:
    """A country people in the demo organisation work in."""

    code: str  # ISO 3166 alpha-2, also the usageLocation
    name: str  # the directory's free-text country
    calling_code: str
    trunk: str  # national trunk prefix ("0"), empty where there is none
    weight: int  # share of the workforce
    mobile: tuple[Block, ...]
    fixed: tuple[Block, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


_NANP = (3, 3, 4)


def _nanp(*areas: str) -> tuple[Block, ...]:
    """555-0100 to 555-0199 of each area code (reserved for fiction) first, then the rest of 555-2000 up."""
    fictional = tuple(Block(f"{area}55501", 2, _NANP) for area in areas)
    return fictional + tuple(Block(f"{area}555{d}", 3, _NANP) for area in areas for d in "23456789")


def _blocks(groups: tuple[int, ...], *ranges: tuple[str, int]) -> tuple[Block, ...]:
    return tuple(Block(prefix, free, groups) for prefix, free in ranges)


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US", "United States", "1", "", 30,
        _nanp("425", "206", "212", "312", "415", "617", "512", "303", "720", "929"),
        _nanp("404", "713", "214", "305", "602", "702", "818", "858"),
        ("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "William", "Elizabeth",
         "Christopher", "Jessica", "Daniel", "Sarah", "Matthew", "Karen", "Anthony", "Nancy", "Joshua", "Ashley",
         "Kevin", "Emily", "Brian", "Megan", "Tyler", "Olivia", "Jose", "Maria", "DeShawn", "Aaliyah"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
         "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
         "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "O'Brien", "Nguyen"),
    ),
    Country(
        "CA", "Canada", "1", "", 5,
        _nanp("416", "604", "514"),
        _nanp("403", "613", "647"),
        ("Liam", "Emma", "Noah", "Charlotte", "Ethan", "Chloé", "Lucas", "Amelia", "Benjamin", "Zoé", "Logan",
         "Sophie", "Nathan", "Gabrielle", "Owen", "Maya", "Félix", "Hannah", "Jacob", "Avery"),
        ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
         "MacDonald", "Campbell", "Stewart", "Wong", "Singh", "Chen", "Leblanc", "Pelletier", "Bélanger", "Mackenzie"),
    ),
    Country(
        "GB", "United Kingdom", "44", "0", 14,
        _blocks((4, 6), ("7723", 6), ("7837", 6), ("7400", 6), ("7507", 6)),
        _blocks((2, 4, 4), ("2079460", 3)) + _blocks(
            (3, 3, 4), ("1134960", 3), ("1144960", 3), ("1164960", 3), ("1174960", 3), ("1184960", 3),
            ("1214960", 3), ("1314960", 3), ("1414960", 3), ("1514960", 3), ("1614960", 3), ("1914980", 3),
            ("161", 7),
        ),
        ("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Charlie", "Grace", "Thomas", "Poppy",
         "Alfie", "Freya", "Oscar", "Emily", "Arthur", "Lily", "Henry", "Sophie", "Rhys", "Siobhan", "Callum",
         "Niamh", "Priya", "Imran"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
         "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
         "Hughes", "MacLeod", "Fitzgerald", "Khan", "Ó Súilleabháin"),
    ),
    Country(
        "DE", "Germany", "49", "0", 10,
        _blocks((4, 7), ("1512", 7), ("1521", 7), ("1601", 7), ("1701", 7), ("1761", 7)),
        _blocks((2, 8), ("3023125", 3), ("30", 8), ("40", 8), ("89", 8), ("69", 8)),
        ("Lukas", "Anna", "Jonas", "Lea", "Leon", "Hannah", "Finn", "Lena", "Paul", "Marie", "Felix", "Sophie",
         "Jürgen", "Sabine", "Maximilian", "Katharina", "Stefan", "Ursula", "Tobias", "Jörg"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
         "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Zimmermann", "Krüger",
         "Weiß", "Groß"),
    ),
    Country(
        "FR", "France", "33", "0", 7,
        _blocks((1, 2, 2, 2, 2), ("61", 7), ("62", 7)),
        _blocks((1, 2, 2, 2, 2), ("199001", 3), ("14", 7)),
        ("Gabriel", "Louise", "Raphaël", "Jade", "Léo", "Emma", "Louis", "Chloé", "Hugo", "Inès", "Arthur",
         "Léa", "Jules", "Manon", "Théo", "Camille", "Hélène", "François", "Aurélie", "Mathis"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
         "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Fournier", "Lefebvre"),
    ),
    Country(
        "NL", "Netherlands", "31", "0", 5,
        _blocks((1, 8), ("61", 7), ("62", 7), ("65", 7)),
        _blocks((2, 7), ("20", 7), ("10", 7), ("30", 7)),
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Levi", "Tess", "Finn", "Sophie", "Bram", "Sanne",
         "Jesse", "Fleur", "Thijs", "Anouk", "Ruben", "Lotte"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
         "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen"),
    ),
    Country(
        "IN", "India", "91", "0", 10,
        _blocks((5, 5), ("98", 8), ("99", 8), ("97", 8)),
        _blocks((2, 4, 4), ("2224", 6), ("2226", 6), ("1123", 6), ("1141", 6)),
        ("Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Saanvi", "Rohan", "Priya", "Aditya", "Kavya", "Rahul",
         "Neha", "Vikram", "Pooja", "Sanjay", "Lakshmi", "Karthik", "Meera", "Amit", "Sunita"),
        ("Sharma", "Verma", "Gupta", "Patel", "Reddy", "Iyer", "Nair", "Singh", "Kumar", "Das", "Mehta", "Joshi",
         "Rao", "Chatterjee", "Banerjee", "Menon", "Pillai", "Agarwal", "Kapoor", "Desai"),
    ),
    Country(
        "AU", "Australia", "61", "0", 5,
        _blocks((3, 3, 3), ("491570", 3), ("412", 6), ("423", 6), ("438", 6)),
        _blocks((1, 4, 4), ("25550", 4), ("37010", 4), ("29", 7), ("39", 7)),
        ("Jack", "Charlotte", "William", "Olivia", "Noah", "Isla", "Oliver", "Mia", "Thomas", "Ava", "Lachlan",
         "Chloe", "Cooper", "Matilda", "Riley", "Ruby", "Mitchell", "Georgia"),
        ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin", "Anderson",
         "Thompson", "Nguyen", "Ryan", "Kelly", "Walker", "Harris", "Murphy", "Campbell"),
    ),
    Country(
        "JP", "Japan", "81", "0", 4,
        _blocks((2, 4, 4), *((f"90{d}", 7) for d in "123456789")),
        _blocks((1, 4, 4), ("35", 7), ("33", 7)),
        ("Haruto", "Yui", "Sota", "Hina", "Yuki", "Sakura", "Ren", "Aoi", "Takumi", "Mei", "Kenji", "Yoko",
         "Hiroshi", "Akiko", "Daiki", "Naomi"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
         "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto", "Inoue", "Kimura"),
    ),
    Country(
        "BR", "Brazil", "55", "0", 5,
        _blocks((2, 5, 4), ("119", 8), ("219", 8)),
        _blocks((2, 4, 4), ("113", 7), ("213", 7)),
        ("Miguel", "Alice", "Arthur", "Helena", "Heitor", "Laura", "Bernardo", "Valentina", "Davi", "Sophia",
         "João", "Ana", "Gabriel", "Luíza", "Pedro", "Beatriz", "Matheus", "Camila"),
        ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
         "Costa", "Ribeiro", "Martins", "Carvalho", "Araújo", "Melo", "Barbosa", "Conceição"),
    ),
    Country(
        "ZA", "South Africa", "27", "0", 5,
        _blocks((2, 3, 4), ("82", 7), ("83", 7), ("72", 7)),
        _blocks((2, 3, 4), ("21", 7), ("11", 7)),
        ("Thabo", "Lerato", "Sipho", "Nomvula", "Pieter", "Annelie", "Bongani", "Zanele", "Johan", "Precious",
         "Lwazi", "Thandeka", "Ruan", "Naledi", "Kagiso", "Michelle"),
        ("Nkosi", "Dlamini", "Ndlovu", "Khumalo", "van der Merwe", "Botha", "Pretorius", "Naidoo", "Mokoena",
         "Mahlangu", "Venter", "Coetzee", "Molefe", "Govender", "Zulu", "Jacobs"),
    ),
)

COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}

# Department -> (share of the workforce, head's title, team manager's title, staff titles).
DEPARTMENTS: dict[str, tuple[int, str, str, tuple[str, ...]]] = {
    "Sales": (18, "Vice President, Sales", "Sales Manager",
              ("Account Executive", "Sales Representative", "Inside Sales Representative", "Sales Engineer")),
    "Finance": (8, "Chief Financial Officer", "Finance Manager",
                ("Accountant", "Financial Analyst", "Payroll Specialist", "Accounts Payable Clerk")),
    "Engineering": (20, "Vice President, Engineering", "Engineering Manager",
                    ("Software Engineer", "Senior Software Engineer", "QA Engineer", "Site Reliability Engineer")),
    "HR": (5, "Chief People Officer", "HR Manager", ("HR Business Partner", "Recruiter", "HR Generalist")),
    "IT": (9, "Chief Information Officer", "IT Manager",
           ("Systems Administrator", "Service Desk Analyst", "Network Engineer", "Identity Engineer")),
    "Operations": (14, "Chief Operating Officer", "Operations Manager",
                   ("Operations Analyst", "Logistics Coordinator", "Facilities Coordinator", "Buyer")),
    "Legal": (3, "General Counsel", "Legal Manager", ("Corporate Counsel", "Paralegal", "Compliance Officer")),
    "Marketing": (9, "Chief Marketing Officer", "Marketing Manager",
                  ("Marketing Specialist", "Content Strategist", "Product Marketing Manager", "Designer")),
    "Support": (14, "Vice President, Customer Support", "Support Team Lead",
                ("Support Engineer", "Customer Success Manager", "Technical Support Specialist")),
}

AUTHENTICATOR_DEVICES = ("iPhone 15", "iPhone 15 Pro", "iPhone 14", "iPhone 13", "iPhone SE", "Galaxy S24",
                         "Galaxy S23", "Galaxy A54", "Pixel 8", "Pixel 7a", "moto g84", "OnePlus 12")
FIDO2_KEYS = ("YubiKey 5 NFC", "YubiKey 5C NFC", "YubiKey Bio", "Feitian ePass FIDO2",
              "Passkey in Microsoft Authenticator")
PERSONAL_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# (role name, role template id, whether SSPR's two-gate administrator policy covers it).
ROLES: dict[str, tuple[str, bool]] = {
    "Global Administrator": ("62e90394-69f5-4237-9190-012177145e10", True),
    "Privileged Role Administrator": ("e8611ab8-c189-46e8-94e1-60213ab1f814", True),
    "User Administrator": ("fe930be7-5e62-47db-91af-98c3a49a38b1", True),
    "Helpdesk Administrator": ("729827e3-9c14-49f7-bb1b-9608f156bbb8", True),
    "Authentication Administrator": ("c4e39bd9-1100-46d3-8c65-fb160da0071f", True),
    "Security Administrator": ("194ae4cb-b126-40b2-bd5b-6091b380977d", True),
    "Exchange Administrator": ("29232cdf-9323-42fd-ade2-1d097af3e4de", True),
    "Password Administrator": ("966707d0-3269-4727-9be2-8c3a10f19b9d", True),
    "Reports Reader": ("4a5d8f65-41da-4de4-8968-e035b65339cf", False),
}
