//! Issue 20: the HL7 parser, the planner and the MLLP decoder never panic, whatever bytes
//! arrive: arbitrary bytes, and valid messages with bytes flipped, cut, or repeated.

use chartroom::hl7::Message;
use chartroom::hl7::mllp::Decoder;
use chartroom::hl7::parse::split_batch;
use chartroom::hl7::plan::plan;
use proptest::prelude::*;

const VALID: &[&str] = &[
    "MSH|^~\\&|REGSYS|MAINHOSP|CR|HIM|20261115083000||ADT^A01^ADT_A01|M1|P|2.5.1\rEVN|A01\rPID|1||HL70001^^^H^MR~X9^^^Y^PI||Muñoz\\T\\Ibáñez^Zoë\\E\\Ñ\\X41\\||19700314|F|||1 Elm\\F\\2^^Springfield^IL^62701||^PRN^PH^^^309^5550177|||||A1|123-45-6789\rPV1|1|I|4W||||123^Okafor^Grace|||MED|||||||||V1|||||||||||||||||||||||||202611140900|202611161430\rDG1|1||I21.4^NSTEMI^I10\r",
    "MSH#$*@!#APP#FAC#####ADT$A28#M2#P#2.5\rPID#1##ID1$$$F$MR##Fam$Giv##19900202#F###1 Hash@F@Lane\r",
    "MSH|^~\\&|A|B|||||ADT^A40|M3|P|2.3\rPID|1||K1^^^H^MR||A^B||19700101|M\rMRG|K2^^^H^MR\r",
];

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn exercise(bytes: &[u8]) {
    if let Ok(m) = Message::parse(bytes) {
        let _ = plan(&m, today());
        let _ = m.to_string();
        for s in &m.segments {
            for f in 0..s.len() + 2 {
                for r in 0..3 {
                    let _ = m.get(s, f, r, 2, 2);
                }
            }
        }
    }
    let _ = split_batch(&chartroom::hl7::parse::decode(bytes));
    let mut d = Decoder::new(256);
    for piece in bytes.chunks(5) {
        let _ = d.feed(piece);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
        let mut with_msh = b"MSH".to_vec();
        with_msh.extend(&bytes);
        exercise(&with_msh);
    }

    #[test]
    fn mutated_messages_never_panic(
        which in 0..VALID.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..12),
    ) {
        let mut b = VALID[which].as_bytes().to_vec();
        for (at, byte, how) in edits {
            if b.is_empty() { break; }
            let i = at.index(b.len());
            match how {
                0 => b[i] = byte,
                1 => { b.remove(i); }
                2 => b.insert(i, byte),
                _ => b.truncate(i),
            }
        }
        exercise(&b);
    }
}
