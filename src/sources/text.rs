//! Small text helpers several formats share.

/// `%XX` escapes decoded (an incomplete or invalid escape is kept as
/// written); invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Skip a `/* … */` comment that starts at `chars[i]`: the index after its
/// `*/` (or past the end when it is not closed), counting the newlines it
/// spans into `line`.
pub fn skip_block_comment(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    i += 2;
    while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
        if chars[i] == '\n' {
            *line += 1;
        }
        i += 1;
    }
    i + 2
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("p%40ss"), "p@ss");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("a%4"), "a%4");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        assert_eq!(percent_decode("%+1"), "%+1");
        assert_eq!(percent_decode("é%C3%A9"), "éé");
        assert_eq!(percent_decode("%é"), "%é");
    }
}
