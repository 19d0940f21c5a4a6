//! The recovery passphrase: printed once when an encrypted store is made, typed back in when
//! every user passphrase is lost, however the person types it.

use zeroize::Zeroizing;

use super::fill_random;

/// A recovery passphrase: 30 characters of Crockford base32 (150 bits) in groups of 5.
pub fn recovery_passphrase() -> Zeroizing<String> {
    const ALPHA: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut raw = Zeroizing::new([0u8; 30]);
    fill_random(raw.as_mut());
    let mut s = Zeroizing::new(String::with_capacity(36));
    for (i, b) in raw.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            s.push('-');
        }
        s.push(ALPHA[(b & 31) as usize] as char);
    }
    s
}

/// A typed recovery passphrase, normalised to the form it was printed in: upper case, the
/// groups of 5 joined by dashes whether they were typed with dashes, spaces or nothing
/// between them, and Crockford's look-alikes read as the digits they stand for (O as 0, I
/// and L as 1). Anything that is not 30 such characters is only upper-cased, without spaces.
pub fn normalise_recovery(s: &str) -> Zeroizing<String> {
    const ALPHA: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let chars: Zeroizing<String> = Zeroizing::new(
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .map(|c| match c {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect(),
    );
    if chars.len() == 30 && chars.bytes().all(|b| ALPHA.contains(&b)) {
        let mut out = Zeroizing::new(String::with_capacity(35));
        for (i, c) in chars.chars().enumerate() {
            if i > 0 && i % 5 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        return out;
    }
    Zeroizing::new(
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_passphrases_look_right() {
        let r = recovery_passphrase();
        assert_eq!(r.len(), 35);
        assert_eq!(r.matches('-').count(), 5);
        assert_eq!(*normalise_recovery(&r.to_lowercase()), *r);
        assert_eq!(
            *normalise_recovery(&r.replace('-', " ")),
            *r,
            "spaces for dashes"
        );
        assert_eq!(*normalise_recovery(&r.replace('-', "  ")), *r);
        assert_eq!(*normalise_recovery(&r.replace('-', "")), *r, "run together");
        assert_eq!(
            *normalise_recovery(&format!(" {} ", r.to_lowercase().replace('-', " "))),
            *r
        );
    }
}
