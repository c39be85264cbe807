//! `create_route_matcher`: which paths a rule applies to, written as in
//! Clerk's `createRouteMatcher(['/dashboard(.*)', '/forum(.*)'])`. Each
//! pattern is a regular expression over the whole path (anchored at both
//! ends); a `:name` segment stands for one path segment.

use axum::extract::OriginalUri;
use axum::http::request::Parts;
use regex::RegexSet;

/// A set of path patterns; a path matches when any pattern matches it whole.
#[derive(Clone, Debug)]
pub struct RouteMatcher {
    set: RegexSet,
}

/// The regular expression for one pattern: `:name` after a `/` becomes
/// `[^/]+`, and the whole is anchored.
fn to_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    out.push_str("^(?:");
    let mut chars = pattern.chars().peekable();
    let mut previous = None;
    while let Some(c) = chars.next() {
        let starts_param = c == ':'
            && previous == Some('/')
            && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '_');
        if starts_param {
            while chars.peek().is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_') {
                chars.next();
            }
            out.push_str("[^/]+");
            previous = Some('+');
        } else {
            out.push(c);
            previous = Some(c);
        }
    }
    out.push_str(")$");
    out
}

/// A matcher for `patterns`, e.g. `["/dashboard(.*)", "/forum(.*)"]`.
pub fn create_route_matcher<I, S>(patterns: I) -> Result<RouteMatcher, regex::Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let set = RegexSet::new(patterns.into_iter().map(|p| to_regex(p.as_ref())))?;
    Ok(RouteMatcher { set })
}

impl RouteMatcher {
    /// Whether `path` (without query) matches.
    pub fn matches_path(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    /// Whether the request's path matches; under a nested router, the path
    /// the client asked for (`OriginalUri`) is the one matched.
    pub fn matches(&self, parts: &Parts) -> bool {
        let path = match parts.extensions.get::<OriginalUri>() {
            Some(OriginalUri(uri)) => uri.path(),
            None => parts.uri.path(),
        };
        self.matches_path(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerk_style_patterns_match_whole_paths() {
        let m = create_route_matcher(["/dashboard(.*)", "/forum(.*)"]).expect("patterns");
        for yes in ["/dashboard", "/dashboard/", "/dashboard/settings", "/dashboards", "/forum/t/1"] {
            assert!(m.matches_path(yes), "{yes}");
        }
        for no in ["/", "/x/dashboard", "/sign-in", "/foru", "/api/dashboard"] {
            assert!(!m.matches_path(no), "{no}");
        }
    }

    #[test]
    fn named_segments_match_one_segment() {
        let m = create_route_matcher(["/orgs/:slug/settings"]).expect("patterns");
        assert!(m.matches_path("/orgs/acme/settings"));
        assert!(!m.matches_path("/orgs/acme/x/settings"));
        assert!(!m.matches_path("/orgs//settings"));
        let plain = create_route_matcher(["/(?:a|b)"]).expect("patterns");
        assert!(plain.matches_path("/a"), "(?: is not a parameter");
    }

    #[test]
    fn invalid_patterns_are_errors() {
        assert!(create_route_matcher(["/(unclosed"]).is_err());
    }

    #[test]
    fn original_uri_wins_under_nested_routers() {
        let m = create_route_matcher(["/app/dashboard(.*)"]).expect("patterns");
        let (mut parts, ()) = axum::http::Request::builder().uri("/dashboard").body(()).expect("request").into_parts();
        assert!(!m.matches(&parts));
        parts.extensions.insert(OriginalUri("/app/dashboard?x=1".parse().expect("uri")));
        assert!(m.matches(&parts));
    }
}
