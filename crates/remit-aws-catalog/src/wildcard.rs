//! The two matchers the catalog needs, both without allocating per match.
//!
//! - [`glob`]: IAM's action wildcards (`*` any run, `?` one character) over names that the
//!   caller has lower-cased. <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
//! - [`Template`]: the Service Authorization Reference's name templates, where `${Var}` (and, in
//!   condition key names, `<var>`) stands for one or more characters and `*` for any run.

use std::cmp::Reverse;

/// Whether `text` matches `pattern` (`*` any run, `?` one byte; everything else literal). Both
/// are expected lower-cased; catalog names are ASCII, so one byte is one character.
pub(crate) fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it has been stretched to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// How specific a template is; greater is more specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) struct Specificity {
    literals: u32,
    stars: Reverse<u32>,
    vars: Reverse<u32>,
}

impl std::ops::Add for Specificity {
    type Output = Specificity;

    fn add(self, other: Specificity) -> Specificity {
        Specificity {
            literals: self.literals + other.literals,
            stars: Reverse(self.stars.0 + other.stars.0),
            vars: Reverse(self.vars.0 + other.vars.0),
        }
    }
}

/// One step of a compiled [`Template`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Byte(u8),
    /// Exactly one byte (the first of a variable).
    One,
    /// Any run of bytes, possibly empty.
    Run,
}

/// A name template: literal bytes, `${Var}` / `<var>` placeholders (one or more characters) and
/// `*` (any run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    toks: Box<[Tok]>,
    /// Literal bytes: the more, the more specific the template.
    literals: u32,
    /// `*`s: the fewer, the more specific (a `*` stands for "any", a placeholder for one name).
    stars: u32,
    /// Placeholders: the fewer, the more specific.
    vars: u32,
    /// Literals compare ignoring ASCII case (the subject must then be lower-cased).
    fold_case: bool,
}

impl Template {
    /// Compiles `text`. `angle` also reads `<var>` as a placeholder (condition key names);
    /// `fold_case` stores literals lower-cased for case-insensitive matching.
    pub(crate) fn new(text: &str, angle: bool, fold_case: bool) -> Template {
        let bytes = text.as_bytes();
        let mut toks = Vec::with_capacity(bytes.len());
        let (mut literals, mut stars, mut vars) = (0, 0, 0);
        let mut i = 0;
        while i < bytes.len() {
            let close = match bytes[i] {
                b'$' if bytes.get(i + 1) == Some(&b'{') => Some(b'}'),
                b'<' if angle => Some(b'>'),
                _ => None,
            };
            if let Some(close) = close
                && let Some(len) = bytes[i..].iter().position(|&b| b == close)
            {
                toks.extend([Tok::One, Tok::Run]);
                vars += 1;
                i += len + 1;
                continue;
            }
            if bytes[i] == b'*' {
                toks.push(Tok::Run);
                stars += 1;
            } else {
                toks.push(Tok::Byte(if fold_case { bytes[i].to_ascii_lowercase() } else { bytes[i] }));
                literals += 1;
            }
            i += 1;
        }
        Template { toks: toks.into(), literals, stars, vars, fold_case }
    }

    /// Whether the template has no placeholder and no `*`.
    pub(crate) fn is_literal(&self) -> bool {
        self.stars == 0 && self.vars == 0
    }

    /// The literal text before the first placeholder (lower-cased if the template folds case).
    pub(crate) fn literal_prefix(&self) -> Vec<u8> {
        self.toks
            .iter()
            .map_while(|t| match t {
                Tok::Byte(b) => Some(*b),
                _ => None,
            })
            .collect()
    }

    /// Specificity: more literal bytes first, then fewer `*`s, then fewer placeholders.
    pub(crate) fn specificity(&self) -> Specificity {
        Specificity { literals: self.literals, stars: Reverse(self.stars), vars: Reverse(self.vars) }
    }

    /// Whether `text` matches; with `fold_case`, `text` must already be lower-cased.
    pub(crate) fn matches(&self, text: &[u8]) -> bool {
        debug_assert!(!self.fold_case || !text.iter().any(u8::is_ascii_uppercase));
        let toks = &self.toks;
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match toks.get(p) {
                Some(Tok::Run) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Tok::One) => {
                    p += 1;
                    t += 1;
                }
                Some(Tok::Byte(b)) if *b == text[t] => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        toks[p..].iter().all(|t| *t == Tok::Run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_basics() {
        assert!(glob(b"*", b""));
        assert!(glob(b"*", b"s3:getobject"));
        assert!(glob(b"s3:get*", b"s3:getobject"));
        assert!(!glob(b"s3:get*", b"s3:putobject"));
        assert!(glob(b"s3:?etobject", b"s3:getobject"));
        assert!(!glob(b"s3:?getobject", b"s3:getobject"));
        assert!(glob(b"*:get*object", b"s3:getobject"));
        assert!(glob(b"s3:*o*b*", b"s3:getobject"));
        assert!(!glob(b"s3:getobject?", b"s3:getobject"));
        assert!(glob(b"s3:getobject**", b"s3:getobject"));
        assert!(!glob(b"", b"x"));
        assert!(glob(b"", b""));
    }

    #[test]
    fn template_variables_need_one_character() {
        let t = Template::new("${BucketName}/${ObjectName}", false, false);
        assert!(t.matches(b"b/k"));
        assert!(t.matches(b"b/k/more/path"));
        assert!(!t.matches(b"/k"));
        assert!(!t.matches(b"b/"));
        assert!(!t.matches(b"bucket"));
        assert_eq!(t.specificity(), Specificity { literals: 1, stars: Reverse(0), vars: Reverse(2) });
        // `x/${Id}` is more specific than `x/*`.
        assert!(
            Template::new("x/${Id}", false, false).specificity() > Template::new("x/*", false, false).specificity()
        );
        let star = Template::new("apps/*", false, false);
        assert!(star.matches(b"apps/"));
        assert!(star.matches(b"apps/x/y"));
        assert!(!star.matches(b"app"));
    }

    #[test]
    fn template_case_folding_and_angle_placeholders() {
        let t = Template::new("s3:ExistingObjectTag/<key>", true, true);
        assert!(t.matches(b"s3:existingobjecttag/owner"));
        assert!(!t.matches(b"s3:existingobjecttag/"));
        assert_eq!(t.literal_prefix(), b"s3:existingobjecttag/");
        let plain = Template::new("a<b", false, false);
        assert!(plain.is_literal());
        assert!(plain.matches(b"a<b"));
        // An unclosed `${` is literal text.
        let open = Template::new("x${y", false, false);
        assert!(open.is_literal());
        assert!(open.matches(b"x${y"));
    }
}
