//! The closed sets of words the Frontend API speaks: statuses, strategies,
//! channels. Each is an enum with its exact wire spelling, so the server's
//! handlers, its row mapping and the portal compare values, never strings.
//!
//! [`wire_enum!`] writes each enum from one table: the variant, its wire
//! string, and serde, `Display`, `FromStr` and `TryFrom<String>` (the last
//! is what the server's row mapping uses) all read that one table.

/// Declares an enum whose variants have fixed wire strings.
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact wire string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )+
                }
            }

            /// Parses a wire string; `None` for anything else.
            pub fn parse(wire: &str) -> Option<$name> {
                match wire {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocabulary::UnknownWord;
            fn from_str(s: &str) -> Result<$name, $crate::vocabulary::UnknownWord> {
                $name::parse(s).ok_or_else(|| $crate::vocabulary::UnknownWord::new(stringify!($name), s))
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::vocabulary::UnknownWord;
            fn try_from(s: String) -> Result<$name, $crate::vocabulary::UnknownWord> {
                s.parse()
            }
        }

        /// Compares with a wire string, as a JSON body read back shows it.
        impl ::std::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "schema")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({ "type": "string", "enum": [$($wire),+] })
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| ::serde::de::Error::custom($crate::vocabulary::UnknownWord::new(stringify!($name), &s)))
            }
        }
    };
}

/// A string that is not one of an enum's wire words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownWord {
    /// The enum asked for.
    pub kind: &'static str,
    /// What was given.
    pub given: String,
}

impl UnknownWord {
    /// `given` is not a `kind`.
    pub fn new(kind: &'static str, given: &str) -> UnknownWord {
        UnknownWord { kind, given: given.to_string() }
    }
}

impl std::fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a {}", self.given, self.kind)
    }
}

impl std::error::Error for UnknownWord {}

wire_enum! {
    /// Where a sign-in stands (`SignIn.status`).
    pub enum SignInStatus {
        /// No identifier given yet.
        NeedsIdentifier = "needs_identifier",
        /// The user is known; a first factor (password, email code) is next.
        NeedsFirstFactor = "needs_first_factor",
        /// The first factor was right and the user has second factors.
        NeedsSecondFactor = "needs_second_factor",
        /// A password-reset code was right: a new password is next.
        NeedsNewPassword = "needs_new_password",
        /// A session was created.
        Complete = "complete",
    }
}

wire_enum! {
    /// Where a sign-up stands (`SignUp.status`).
    pub enum SignUpStatus {
        /// A field is missing or unverified.
        MissingRequirements = "missing_requirements",
        /// The user and a session were created.
        Complete = "complete",
        /// Given up.
        Abandoned = "abandoned",
    }
}

wire_enum! {
    /// Where a session's reverification stands (`SessionVerification.status`).
    pub enum SessionVerificationStatus {
        /// A first factor must be verified again.
        NeedsFirstFactor = "needs_first_factor",
        /// Verified: the sensitive action may be retried.
        Complete = "complete",
    }
}

wire_enum! {
    /// A verification's state (`Verification.status`).
    pub enum VerificationStatus {
        /// Not verified yet.
        Unverified = "unverified",
        /// Verified.
        Verified = "verified",
        /// Can no longer succeed.
        Failed = "failed",
        /// Past its lifetime.
        Expired = "expired",
    }
}

wire_enum! {
    /// How a factor is proven (`strategy`), first or second.
    pub enum Strategy {
        /// The account password (first factor).
        Password = "password",
        /// A code sent by email (first factor, sign-up verification).
        EmailCode = "email_code",
        /// A code from an authenticator app (second factor).
        Totp = "totp",
        /// A code sent by SMS (second factor).
        PhoneCode = "phone_code",
        /// A single-use backup code (second factor).
        BackupCode = "backup_code",
        /// A code sent by email to reset a forgotten password (first
        /// factor; a new password follows).
        ResetPasswordEmailCode = "reset_password_email_code",
    }
}

/// The state a new resource starts in, which is also what a decoder
/// assumes when the field is absent.
macro_rules! starts_as {
    ($($name:ident => $variant:ident),+ $(,)?) => {
        $(impl Default for $name {
            fn default() -> $name {
                $name::$variant
            }
        })+
    };
}

starts_as! {
    SignInStatus => NeedsIdentifier,
    SignUpStatus => MissingRequirements,
    SessionVerificationStatus => NeedsFirstFactor,
    VerificationStatus => Unverified,
}

impl Strategy {
    /// The second factors, in the order the portal offers them.
    pub const SECOND_FACTORS: [Strategy; 3] = [Strategy::Totp, Strategy::PhoneCode, Strategy::BackupCode];

    /// Whether this strategy proves a second factor.
    pub fn is_second_factor(self) -> bool {
        Strategy::SECOND_FACTORS.contains(&self)
    }
}

wire_enum! {
    /// Where an invitation to an organization stands.
    pub enum InvitationStatus {
        /// Not answered yet.
        Pending = "pending",
        /// Accepted: the invitee is a member.
        Accepted = "accepted",
        /// Withdrawn.
        Revoked = "revoked",
    }
}

wire_enum! {
    /// How a message reaches its recipient.
    pub enum Channel {
        /// An email.
        Email = "email",
        /// A text message.
        Sms = "sms",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_on_the_wire() {
        fn check<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + Copy + std::fmt::Display>(all: &[T]) {
            for v in all {
                let json = serde_json::to_string(v).expect("serializes");
                assert_eq!(json, format!("\"{v}\""));
                assert_eq!(serde_json::from_str::<T>(&json).expect("parses"), *v);
            }
        }
        check(SignInStatus::ALL);
        check(SignUpStatus::ALL);
        check(SessionVerificationStatus::ALL);
        check(VerificationStatus::ALL);
        check(Strategy::ALL);
        check(Channel::ALL);
        check(InvitationStatus::ALL);
    }

    #[test]
    fn exact_spellings() {
        assert_eq!(SignInStatus::NeedsSecondFactor.as_str(), "needs_second_factor");
        assert_eq!(SignUpStatus::MissingRequirements.as_str(), "missing_requirements");
        assert_eq!(Strategy::PhoneCode.as_str(), "phone_code");
        assert_eq!(Strategy::parse("backup_code"), Some(Strategy::BackupCode));
        assert_eq!(Strategy::parse("Backup_code"), None);
        assert!(serde_json::from_str::<Strategy>("\"sms\"").is_err());
        assert_eq!(Strategy::try_from("totp".to_string()), Ok(Strategy::Totp));
        assert_eq!("email".parse::<Channel>(), Ok(Channel::Email));
        assert!(Strategy::Totp.is_second_factor() && !Strategy::EmailCode.is_second_factor());
        assert!(SignInStatus::Complete == "complete" && SignInStatus::Complete != "needs_identifier");
    }
}
