//! Synthetic name lists with real-world variety: hyphens, apostrophes, particles and
//! letters beyond ASCII. Roughly in order of frequency (the generator draws with a Zipf skew).

use std::sync::OnceLock;

fn list(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Family names, most frequent first.
pub fn family() -> &'static [&'static str] {
    static L: OnceLock<Vec<&'static str>> = OnceLock::new();
    L.get_or_init(|| list(include_str!("../../fixtures/names/family.txt")))
}

/// Given names (female), most frequent first.
pub fn given_f() -> &'static [&'static str] {
    static L: OnceLock<Vec<&'static str>> = OnceLock::new();
    L.get_or_init(|| list(include_str!("../../fixtures/names/given_female.txt")))
}

/// Given names (male), most frequent first.
pub fn given_m() -> &'static [&'static str] {
    static L: OnceLock<Vec<&'static str>> = OnceLock::new();
    L.get_or_init(|| list(include_str!("../../fixtures/names/given_male.txt")))
}

pub const MIDDLE_INITIALS: &str = "ABCDEFGHJKLMNPRSTW";

pub const STREETS: &[&str] = &[
    "Maple",
    "Oak",
    "Cedar",
    "Pine",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Main",
    "Church",
    "River",
    "Sunset",
    "Highland",
    "Meadow",
    "Forest",
    "Spring",
    "Ridge",
    "Mill",
    "Walnut",
    "Willow",
    "Chestnut",
    "Lincoln",
    "Jackson",
    "Franklin",
    "Center",
    "Union",
];
pub const STREET_KINDS: &[&str] = &["St", "Ave", "Rd", "Ln", "Dr", "Ct", "Blvd", "Way", "Pl"];

/// Fictional towns, so no synthetic address is anybody's real one.
pub const CITIES: &[(&str, &str, &str)] = &[
    ("Millbrook", "NY", "12"),
    ("Harborview", "ME", "04"),
    ("Cedar Falls", "OH", "43"),
    ("Riverton", "PA", "17"),
    ("Oak Hollow", "TX", "75"),
    ("Lakeside", "MI", "48"),
    ("Pine Ridge", "CO", "80"),
    ("Fairhaven", "MA", "02"),
    ("Greenfield", "WI", "53"),
    ("Westbury", "CA", "91"),
    ("Stonebridge", "NC", "27"),
    ("Brookside", "GA", "30"),
];

/// Attending physicians (fictional).
pub const CLINICIANS: &[&str] = &[
    "Avery Holt MD",
    "Bianca Ferro MD",
    "Caleb Osei MD",
    "Dana Whitcomb DO",
    "Elif Aydın MD",
    "Farid Nasser MD",
    "Grace Liang MD",
    "Hector Valdés MD",
    "Imogen Pryce MD",
    "Jonas Berg MD",
    "Keiko Mori MD",
    "Luis Carvajal DO",
    "Maeve Doyle MD",
    "Nikhil Rao MD",
    "Olu Adebayo MD",
    "Priya Menon MD",
    "Quentin Hale MD",
    "Rosa Ibarra MD",
    "Samir Haddad MD",
    "Tess Lindqvist MD",
];
