//! Where the example listens and which Vestibule instance it trusts, from
//! flags first, then environment variables, then defaults: the same three
//! settings `cargo xtask serve --with-example` and the end-to-end tests pass.

/// The example's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Address to listen on (`--listen`, `VESTIBULE_EXAMPLE_LISTEN`;
    /// default `127.0.0.1:3000`; port 0 picks a free one).
    pub listen: String,
    /// The Vestibule server as browsers reach it (`--frontend-api`,
    /// `VESTIBULE_FRONTEND_API`; default `http://127.0.0.1:8080`): its
    /// `public_url`, which the middleware expects as the tokens' issuer.
    pub frontend_api: String,
    /// The URL browsers reach this app at (`--public-url`,
    /// `VESTIBULE_EXAMPLE_PUBLIC_URL`); `http://<bound address>` when absent.
    pub public_url: Option<String>,
    /// The Yew page built by trunk (`--yew-dir`, `VESTIBULE_EXAMPLE_YEW_DIR`),
    /// served at `/app` and `/session-tasks/choose-organization`; no Yew
    /// page when absent.
    pub yew_dir: Option<String>,
}

/// The usage line printed on a bad flag.
pub const USAGE: &str = "usage: vestibule-example-app [--listen ADDR] [--frontend-api URL] [--public-url URL] [--yew-dir DIR]";

impl Settings {
    /// Reads `args` (without the program name) over `env`.
    pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let mut settings = Settings {
            listen: env("VESTIBULE_EXAMPLE_LISTEN").unwrap_or_else(|| "127.0.0.1:3000".into()),
            frontend_api: env("VESTIBULE_FRONTEND_API").unwrap_or_else(|| "http://127.0.0.1:8080".into()),
            public_url: env("VESTIBULE_EXAMPLE_PUBLIC_URL"),
            yew_dir: env("VESTIBULE_EXAMPLE_YEW_DIR"),
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let mut value = || rest.next().cloned().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
            match flag.as_str() {
                "--listen" => settings.listen = value()?,
                "--frontend-api" => settings.frontend_api = value()?,
                "--public-url" => settings.public_url = Some(value()?),
                "--yew-dir" => settings.yew_dir = Some(value()?),
                other => return Err(format!("unknown argument {other}\n{USAGE}")),
            }
        }
        settings.frontend_api = settings.frontend_api.trim_end_matches('/').to_string();
        settings.public_url = settings.public_url.map(|u| u.trim_end_matches('/').to_string());
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_win_over_the_environment_over_defaults() {
        let none = |_: &str| None;
        let d = Settings::parse(&[], none).expect("defaults");
        assert_eq!((d.listen.as_str(), d.frontend_api.as_str(), d.public_url, d.yew_dir), ("127.0.0.1:3000", "http://127.0.0.1:8080", None, None));
        let env = |k: &str| (k == "VESTIBULE_FRONTEND_API").then(|| "http://accounts.test/".to_string());
        assert_eq!(Settings::parse(&[], env).expect("env").frontend_api, "http://accounts.test");
        let s = Settings::parse(&args(&["--frontend-api", "http://b.test", "--listen", "0.0.0.0:1", "--public-url", "http://app.test/", "--yew-dir", "yew/dist"]), env)
            .expect("flags");
        assert_eq!(s, Settings { listen: "0.0.0.0:1".into(), frontend_api: "http://b.test".into(), public_url: Some("http://app.test".into()), yew_dir: Some("yew/dist".into()) });
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(Settings::parse(&args(&["--listen"]), |_| None).is_err());
        assert!(Settings::parse(&args(&["--port", "1"]), |_| None).is_err());
    }
}
