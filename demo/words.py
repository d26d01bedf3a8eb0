"""Made-up but Norwegian-sounding material for the demo union: places, names, streets, employers."""

# (county number, county name, [(branch place, relative size, municipality employer, [(postal code, city)])])
COUNTIES = [
    (32, "Akershus", [
        ("Nordre Follo", 6, "Nordre Follo kommune",
         [("1400", "Ski"), ("1405", "Langhus"), ("1410", "Kolbotn"), ("1415", "Oppegård"), ("1420", "Svartskog")]),
        ("Bærum", 8, "Bærum kommune",
         [("1337", "Sandvika"), ("1340", "Skui"), ("1344", "Haslum"), ("1350", "Lommedalen"), ("1363", "Høvik"),
          ("1368", "Stabekk")]),
        ("Asker", 6, "Asker kommune",
         [("1384", "Asker"), ("1390", "Vollen"), ("1396", "Billingstad"), ("3440", "Røyken"),
          ("3470", "Slemmestad")]),
        ("Lillestrøm", 6, "Lillestrøm kommune",
         [("2000", "Lillestrøm"), ("2010", "Strømmen"), ("2013", "Skjetten"), ("2020", "Skedsmokorset"),
          ("1900", "Fetsund"), ("1920", "Sørumsand")]),
        ("Ullensaker", 3, "Ullensaker kommune",
         [("2050", "Jessheim"), ("2040", "Kløfta"), ("2060", "Gardermoen"), ("2054", "Mogreina")]),
    ]),
    (46, "Vestland", [
        ("Bergen", 14, "Bergen kommune",
         [("5003", "Bergen"), ("5006", "Bergen"), ("5052", "Bergen"), ("5089", "Bergen"), ("5131", "Nyborg"),
          ("5145", "Fyllingsdalen"), ("5221", "Nesttun"), ("5252", "Søreidgrend")]),
        ("Stord", 2, "Stord kommune", [("5411", "Stord"), ("5414", "Stord"), ("5416", "Stord"), ("5410", "Sagvåg")]),
        ("Voss", 2, "Voss herad", [("5700", "Voss"), ("5705", "Voss"), ("5710", "Skulestadmo"),
                                   ("5713", "Vossestrand")]),
        ("Sogndal", 2, "Sogndal kommune", [("6856", "Sogndal"), ("6869", "Hafslo"), ("6863", "Leikanger")]),
        ("Sunnfjord", 2, "Sunnfjord kommune", [("6800", "Førde"), ("6807", "Førde"), ("6817", "Naustdal"),
                                               ("6843", "Skei i Jølster")]),
    ]),
    (50, "Trøndelag", [
        ("Trondheim", 12, "Trondheim kommune",
         [("7010", "Trondheim"), ("7020", "Trondheim"), ("7030", "Trondheim"), ("7045", "Trondheim"),
          ("7049", "Trondheim"), ("7072", "Heimdal"), ("7089", "Heimdal")]),
        ("Stjørdal", 3, "Stjørdal kommune", [("7500", "Stjørdal"), ("7502", "Stjørdal"), ("7510", "Skatval")]),
        ("Levanger", 3, "Levanger kommune", [("7600", "Levanger"), ("7604", "Levanger"), ("7620", "Skogn"),
                                             ("7624", "Ekne")]),
        ("Steinkjer", 3, "Steinkjer kommune", [("7700", "Steinkjer"), ("7711", "Steinkjer"), ("7730", "Beitstad")]),
        ("Orkland", 2, "Orkland kommune", [("7300", "Orkanger"), ("7320", "Fannrem"), ("7336", "Meldal")]),
    ]),
]

# Regional public employers per county: (name, kind); kind decides the workplace names.
REGIONAL_EMPLOYERS = {
    32: [("Akershus fylkeskommune", "county"), ("Akershus universitetssykehus HF", "hospital"),
         ("Vestre Viken HF", "hospital"), ("Sunnaas sykehus HF", "hospital"), ("Follo Ren IKS", "technical"),
         ("Romerike Avfallsforedling IKS", "technical"), ("Asker kirkelige fellesråd", "church")],
    46: [("Vestland fylkeskommune", "county"), ("Helse Vest RHF", "office"), ("Helse Bergen HF", "hospital"),
         ("Helse Fonna HF", "hospital"), ("Helse Førde HF", "hospital"), ("Bergen kirkelige fellesråd", "church"),
         ("BIR AS", "technical")],
    50: [("Trøndelag fylkeskommune", "county"), ("St. Olavs hospital HF", "hospital"),
         ("Helse Nord-Trøndelag HF", "hospital"), ("Trondheim kirkelige fellesråd", "church"),
         ("Trondheim Bydrift", "technical")],
}

PRIVATE_PREFIXES = [
    "Fjordkraft", "Nordlys", "Bjørkely", "Solsiden", "Vestkyst", "Fjellvang", "Havblikk", "Trollheim", "Granly",
    "Lindely", "Åsly", "Furulund", "Sjøsiden", "Elvebakken", "Sølvberg", "Kvitfjell", "Stjernehus", "Lyngheim",
    "Blåklokka", "Askeladden", "Nordvest", "Midtnorsk", "Kystlys", "Fossen", "Tyrihans", "Rosendal", "Bølgen",
    "Måken", "Lærkehaugen", "Ørnereiret",
]
# (suffix, kind)
PRIVATE_SUFFIXES = [
    ("Omsorg AS", "care"), ("Renhold AS", "cleaning"), ("Barnehager AS", "kindergarten"), ("Eiendom AS", "technical"),
    ("Helse AS", "care"), ("Transport AS", "transport"), ("Kantine AS", "kitchen"), ("Bemanning AS", "office"),
    ("Assistanse AS", "care"), ("Drift AS", "technical"), ("Miljø AS", "technical"), ("Vekst AS", "care"),
]

LOCALITIES = [
    "Åsen", "Bakkehaugen", "Lia", "Solbakken", "Nordby", "Haugen", "Skogheim", "Sjøskogen", "Kirkebygda",
    "Fjellstad", "Øvre Bygd", "Strandli", "Elveli", "Furuhaugen", "Lundeby", "Rosenhaug", "Tunet", "Engen",
    "Sørbyen", "Vestli", "Holmen", "Bråten", "Tømmerli", "Lyngstad", "Eikeli", "Granstua", "Myrvoll", "Sætre",
]

# Workplace name patterns per employer kind: (pattern, section number). {l} = locality, {p} = place.
WORKPLACES = {
    "municipality": [
        ("{l} sykehjem", 1), ("Hjemmetjenesten {l}", 1), ("Bofellesskap {l}", 1), ("Legevakten i {p}", 1),
        ("{l} skole", 2), ("{l} barnehage", 2), ("{p} bibliotek", 2), ("Teknisk drift {p}", 3),
        ("Renholdstjenesten", 3), ("Vann og avløp", 3), ("Rådhuset i {p}", 4), ("Servicetorget", 4),
        ("Lønn og personal", 4),
    ],
    "county": [("{p} videregående skole", 2), ("{l} videregående skole", 2), ("Tannhelsetjenesten {p}", 1),
               ("Fylkeshuset", 4), ("Vegavdelingen {p}", 3)],
    "hospital": [("Medisinsk klinikk", 1), ("Kirurgisk klinikk", 1), ("Psykisk helsevern {p}", 1),
                 ("Akuttmottaket", 1), ("Renholdsavdelingen", 3), ("Sykehuskjøkkenet", 3),
                 ("Pasientreiser", 4)],
    "church": [("{p} kirke", 2), ("{l} kirke", 2), ("Kirkevergen", 4), ("Gravplassforvaltningen", 3)],
    "technical": [("Driftsstasjon {l}", 3), ("Gjenvinningsstasjon {l}", 3), ("Administrasjonen", 4)],
    "office": [("Hovedkontoret", 4), ("Regionkontor {p}", 4)],
    "care": [("Avdeling {l}", 1), ("Omsorgsbolig {l}", 1), ("Hovedkontoret", 4)],
    "cleaning": [("Renholdsteam {l}", 3), ("Renholdsteam {p}", 3)],
    "kindergarten": [("{l} barnehage", 2), ("{l} friluftsbarnehage", 2)],
    "transport": [("Garasjen i {p}", 3), ("Trafikkontoret", 4)],
    "kitchen": [("Kantina på {l}", 3), ("Produksjonskjøkkenet {p}", 3)],
}

STREETS = [
    "Storgata", "Kirkeveien", "Skolegata", "Parkveien", "Bjørkeveien", "Granveien", "Furuveien", "Solbakken",
    "Fjellveien", "Åsveien", "Løvåsveien", "Bakkehaugen", "Nygårdsveien", "Lillehagen", "Kongens gate",
    "Dronningens gate", "Sjøgata", "Strandveien", "Haugeveien", "Myrveien", "Tunveien", "Løkkeveien", "Enggata",
    "Elvegata", "Prestegårdsveien", "Gamle Kongevei", "Torggata", "Jernbanegata", "Stasjonsveien", "Lyngveien",
    "Rognveien", "Hasselveien", "Lerkeveien", "Tiurveien", "Ekornveien", "Blåbærstien", "Tyttebærveien",
    "Nordåsveien", "Øvre Fjellsvei", "Sætreveien", "Rådhusgata", "Sykehusveien", "Bøgata", "Grønnåsen",
    "Kløverveien", "Smørblomstveien", "Ravnkloveien", "Fossveien", "Bekkeveien", "Kvernhusveien",
]

FEMALE_NAMES = [
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde", "Anna",
    "Solveig", "Marianne", "Randi", "Ida", "Nina", "Maria", "Elisabeth", "Kristin", "Bente", "Heidi", "Silje",
    "Hanne", "Gerd", "Linda", "Tone", "Tove", "Elin", "Anita", "Wenche", "Camilla", "Ragnhild", "Ellen", "Karin",
    "Hege", "Else", "Mona", "Grete", "Åse", "Synnøve", "Sigrid", "Turid", "Unni", "Åshild", "Gunhild", "Torill",
    "Merete", "Trine", "Kjersti", "Siri", "Mette", "Julie", "Stine", "Emma", "Nora", "Sara", "Thea", "Ingvild",
    "Maja", "Sofie", "Emilie", "Vigdis", "Brit", "Sølvi", "Guro", "Tuva", "Frøydis", "Bodil", "Jorunn", "Reidun",
    "Dagny", "Eldbjørg", "Målfrid", "Aisha", "Fatima", "Amina", "Agnieszka", "Katarzyna", "Lan", "Ewa", "Zahra",
    "Renée", "Hélène",
]
MALE_NAMES = [
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Thomas", "Hans", "Geir", "Tor",
    "Morten", "Terje", "Odd", "Martin", "Erik", "Andreas", "John", "Anders", "Rune", "Trond", "Tore", "Harald",
    "Jon", "Olav", "Gunnar", "Stein", "Rolf", "Leif", "Øyvind", "Espen", "Jørgen", "Håkon", "Sindre", "Magnus",
    "Jonas", "Mathias", "Henrik", "Kristian", "Sondre", "Eirik", "Ørjan", "Åge", "Ståle", "Bård", "Pål", "Sverre",
    "Sigurd", "Ivar", "Halvor", "Torbjørn", "Kåre", "Ragnar", "Asbjørn", "Steinar", "Dag", "Vidar", "Frode",
    "Kenneth", "Roger", "Stian", "Kjetil", "Einar", "Arild", "Nils", "Petter", "Even", "Audun", "Mohammed",
    "Ali", "Ahmed", "Piotr", "Tomasz", "Minh", "Hassan", "Omar", "José",
]
# The most common surnames first: they are drawn more often (see LAST_NAME_WEIGHTS).
LAST_NAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen",
    "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl",
    "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand",
    "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen", "Mathisen", "Lie",
    "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde", "Solheim", "Berge", "Moe", "Nygård", "Bakke", "Kristensen",
    "Fredriksen", "Holm", "Lien", "Hauge", "Christensen", "Andresen", "Nielsen", "Knudsen", "Evensen",
    "Sæther", "Aas", "Myhre", "Hanssen", "Ahmed", "Haugland", "Thomassen", "Sivertsen", "Simonsen", "Danielsen",
    "Berntsen", "Sandvik", "Rønning", "Arnesen", "Antonsen", "Næss", "Vik", "Haug", "Ellingsen", "Thorsen",
    "Edvardsen", "Birkeland", "Isaksen", "Gulbrandsen", "Ruud", "Aasen", "Strøm", "Myklebust", "Tangen",
    "Ødegård", "Eliassen", "Helland", "Bøe", "Jenssen", "Aune", "Mikkelsen", "Tveit", "Brekke", "Abrahamsen",
    "Madsen", "Østby", "Åsheim", "Øien", "Ås", "Våge", "Skjærvø", "Grønli", "Bækkelund", "Løvås", "Hågensen",
    "Røed", "Kjærnes", "Sætre", "Bråten", "Nesbø", "Brøndbo", "Løkken", "Fløisand", "Mæland", "Sæbø", "Høgseth",
    "Ørstavik", "Åkre", "Dæhli", "Kvålen", "Tønnesen", "Grøndahl", "Bjørnstad", "Fossum", "Vestbø", "Ulvestad",
    "Torgersen", "Sunde", "Rød", "Bjerke", "Wold", "Engen", "Nordby", "Fjeld", "Stene", "Kleven", "Hovland",
    "Vatne", "Tvedt", "Skogen", "Hoff", "Gjerde", "Lindstrøm", "Hussain", "Khan", "Kowalski", "Nowak",
    "Wiśniewski", "Andersson", "Johansson", "Tran", "Mohamud", "Yılmaz", "Zapata", "Øverland", "Ågren",
]
LAST_NAME_WEIGHTS = [6] * 20 + [3] * 40 + [1] * (len(LAST_NAMES) - 60)
