//! Synthetic name lists with real-world variety: hyphens, apostrophes, particles and
//! letters beyond ASCII. Roughly in order of frequency (the generator draws with a Zipf skew).

pub const FAMILY: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyễn", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gómez", "Phillips", "Evans",
    "Turner", "Díaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutiérrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chávez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
    "Price", "Álvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster",
    "Jiménez", "O'Brien", "O'Connor", "McDonald", "MacLeod", "Müller", "Schröder", "Strauß",
    "Sørensen", "Åström", "Łukasiewicz", "Wiśniewski", "Đặng", "Trần", "Lê", "Phạm", "Hoàng",
    "Ñúñez", "Peña", "Muñoz", "Ibáñez", "de la Cruz", "van der Berg", "De Luca", "D'Angelo",
    "St. John", "Le Blanc", "von Braun", "Fitzgerald", "Kowalski", "Nowak", "Yamamoto",
    "Tanaka", "Suzuki", "Wang", "Li", "Zhang", "Chen", "Liu", "Singh", "Kumar", "Ahmed",
    "Hassan", "Ali", "Okafor", "Adeyemi", "Mensah", "Papadopoulos", "Ivanov", "Petrov",
    "Horváth", "Novák", "Dvořák", "Þórsson", "Guðmundsdóttir", "Çelik", "Yılmaz", "Öztürk",
    "Haddad", "Khoury", "Cohen", "Levi", "Friedman", "Rossi", "Russo", "Ferrari", "Esposito",
    "Bianchi", "Romano", "Graham", "Sullivan", "Wallace", "Woods", "Cole", "West", "Jordan",
    "Owens", "Reynolds", "Fisher", "Ellis", "Harrison", "Gibson", "McCarthy", "Cunningham",
    "Bradley", "Lane", "Andrews", "Ruiz-Tagle", "Santos", "Herrera", "Medina", "Aguilar",
    "Vargas", "Guzmán", "Salazar", "Figueroa", "Contreras", "Navarro", "Ríos", "Domínguez",
    "Vázquez", "Sandoval", "Espinoza", "Fuentes", "Montoya", "Schmidt", "Schneider", "Fischer",
    "Weber", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Zimmermann",
    "Krüger", "Hartmann", "Lange", "Werner", "Lehmann", "Köhler", "Jansen", "de Vries",
    "van Dijk", "Bakker", "Visser", "Smit", "Meyer", "Dubois", "Lefèvre", "Moreau", "Laurent",
    "Girard", "Fournier", "Bonnet", "Mercier", "Boucher", "Gagnon", "Côté", "Bouchard",
    "Gauthier", "Morin", "Pelletier", "Bélanger", "Lévesque", "Nakamura", "Kobayashi",
    "Watanabe", "Takahashi", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Hu", "Guo",
    "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Shah", "Mehta", "Desai", "Reddy", "Rao",
    "Iyer", "Nair", "Gupta", "Sharma", "Verma", "Khan", "Hussain", "Rahman", "Chowdhury",
    "Mohammed", "Abdullah", "Ibrahim", "Yusuf", "Osei", "Boateng", "Nwosu", "Eze", "Okonkwo",
    "Abebe", "Tesfaye", "Mwangi", "Kamau", "Otieno", "Dlamini", "Nkosi", "Mahlangu", "Begay",
    "Yazzie", "Tsosie", "Kealoha", "Kahale", "Fa'amausili", "Tuiasosopo", "Sjöberg", "Lindqvist",
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Kovač", "Horvat", "Babić",
    "Jovanović", "Nikolić", "Popescu", "Ionescu", "Constantin", "Georgiou", "Nikolaidis",
    "Kazantzakis", "Szabó", "Tóth", "Kiss", "Molnár", "Nagy", "Černý", "Procházka",
];

pub const GIVEN_F: &[&str] = &[
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
    "Sarah", "Karen", "Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly",
    "Emily", "Donna", "Michelle", "Carol", "Amanda", "Dorothy", "Melissa", "Deborah",
    "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia", "Kathleen", "Amy", "Angela",
    "Shirley", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen", "Samantha", "Katherine",
    "Christine", "Debra", "Rachel", "Carolyn", "Janet", "Catherine", "María", "Heather",
    "Diane", "Ruth", "Julie", "Olivia", "Joyce", "Virginia", "Victoria", "Kelly", "Lauren",
    "Christina", "Joan", "Evelyn", "Judith", "Megan", "Andrea", "Cheryl", "Hannah", "Jacqueline",
    "Martha", "Gloria", "Teresa", "Ann", "Sara", "Madison", "Frances", "Kathryn", "Janice",
    "Jean", "Abigail", "Alice", "Judy", "Sophia", "Grace", "Denise", "Amber", "Doris",
    "Marilyn", "Danielle", "Beverly", "Isabella", "Theresa", "Diana", "Natalie", "Brittany",
    "Charlotte", "Marie", "Kayla", "Alexis", "Lori", "Zoë", "Chloé", "Renée", "Anaïs",
    "Begoña", "Inés", "Ximena", "Guadalupe", "Lucía", "Sofía", "Valentina", "Camila", "Mai",
    "Linh", "Thảo", "Nguyệt", "Hương", "Yuki", "Sakura", "Mei", "Xiu", "Ji-woo", "Seo-yeon",
    "Priya", "Ananya", "Fatima", "Aisha", "Zainab", "Chiamaka", "Adaeze", "Abena", "Ngozi",
    "Ingrid", "Åsa", "Sigríður", "Małgorzata", "Agnieszka", "Zsófia", "Siobhán", "Aoife",
    "Niamh", "Mary-Kate", "Anne-Marie", "Jo Ann", "D'Andra", "Ta'Nya", "Leilani",
];

pub const GIVEN_M: &[&str] = &[
    "James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
    "Christopher", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
    "Andrew", "Paul", "Joshua", "Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald",
    "Jason", "Edward", "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan",
    "Stephen", "Larry", "Justin", "Scott", "Brandon", "Benjamin", "Samuel", "Gregory",
    "Alexander", "Patrick", "Frank", "Raymond", "Jack", "Dennis", "Jerry", "Tyler", "Aaron",
    "José", "Adam", "Nathan", "Henry", "Zachary", "Douglas", "Peter", "Kyle", "Noah", "Ethan",
    "Jeremy", "Christian", "Walter", "Keith", "Austin", "Roger", "Terry", "Sean", "Gerald",
    "Carl", "Dylan", "Harold", "Jordan", "Jesse", "Bryan", "Lawrence", "Arthur", "Gabriel",
    "Bruce", "Logan", "Billy", "Joe", "Alan", "Juan", "Elijah", "Willie", "Albert", "Wayne",
    "Randy", "Mason", "Vincent", "Liam", "Roy", "Bobby", "Caleb", "Bradley", "Russell",
    "Lucas", "Jesús", "Andrés", "Ramón", "Joaquín", "Sebastián", "Matías", "Álvaro", "Íñigo",
    "Minh", "Đức", "Tuấn", "Quốc", "Hiroshi", "Takeshi", "Wei", "Jun", "Min-jun", "Ji-ho",
    "Arjun", "Rohan", "Mohammed", "Omar", "Yusuf", "Chinedu", "Emeka", "Kwame", "Kofi",
    "Søren", "Björn", "Þór", "Łukasz", "Wojciech", "Jiří", "Zoltán", "Seán", "Eoin",
    "François", "Jean-Luc", "Jean-Pierre", "Hans-Jürgen", "Jürgen", "D'Angelo", "De'Shawn",
    "Keoni", "Mikael", "Oluwaseun",
];

pub const MIDDLE_INITIALS: &str = "ABCDEFGHJKLMNPRSTW";

pub const STREETS: &[&str] = &[
    "Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main",
    "Church", "River", "Sunset", "Highland", "Meadow", "Forest", "Spring", "Ridge", "Mill",
    "Walnut", "Willow", "Chestnut", "Lincoln", "Jackson", "Franklin", "Center", "Union",
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
    "Avery Holt MD", "Bianca Ferro MD", "Caleb Osei MD", "Dana Whitcomb DO", "Elif Aydın MD",
    "Farid Nasser MD", "Grace Liang MD", "Hector Valdés MD", "Imogen Pryce MD", "Jonas Berg MD",
    "Keiko Mori MD", "Luis Carvajal DO", "Maeve Doyle MD", "Nikhil Rao MD", "Olu Adebayo MD",
    "Priya Menon MD", "Quentin Hale MD", "Rosa Ibarra MD", "Samir Haddad MD", "Tess Lindqvist MD",
];
