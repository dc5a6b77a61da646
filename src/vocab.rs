//! The closed vocabularies Encore speaks: product kinds, purchase sources, producer profiles,
//! email statuses. Each value has one stable slug (stored in the database and used in URLs)
//! and one label (shown in the UI). Shared by the server and the browser build.

/// A slug that names no value of the vocabulary it was parsed for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} \"{value}\"")]
pub struct UnknownValue {
    pub vocabulary: &'static str,
    pub value: String,
}

/// Declares a vocabulary enum with its slugs and labels, `ALL` in display order, `FromStr`,
/// `Display` (the slug) and serde as the slug. On the server the enum is also a SeaORM value
/// stored as its slug (`DeriveValueType` reads and writes it through `FromStr` and
/// `Display`), so an entity column can have the enum's type: a stored slug the code does not
/// know fails the read with a logged database error, never a panic.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident ($what:literal) {
            $($(#[$variant_meta:meta])* $variant:ident => $slug:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(into = "&'static str", try_from = "String")]
        #[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
        #[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable slug stored in the database and used in URLs.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $slug,)+
                }
            }

            /// The words shown to creators.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        /// A slug can be part of a primary key (a fan's genres), which SeaORM asks to be
        /// buildable from an auto-increment id: a slug never is.
        #[cfg(feature = "ssr")]
        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(_: u64) -> Result<Self, sea_orm::DbErr> {
                Err(sea_orm::DbErr::ConvertFromU64(stringify!($name)))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownValue;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($slug => Ok($name::$variant),)+
                    _ => Err($crate::vocab::UnknownValue {
                        vocabulary: $what,
                        value: value.to_owned(),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::vocab::UnknownValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self {
                value.as_str()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;

vocabulary! {
    /// What a creator sells.
    ProductKind ("product kind") {
        Course => "course", "Course";
        SamplePack => "sample_pack", "Sample pack";
        Preset => "preset", "Preset";
        Coaching => "coaching", "Coaching";
        Membership => "membership", "Membership";
        Other => "other", "Other";
    }
}

vocabulary! {
    /// Where a purchase was recorded from; part of its idempotency key.
    PurchaseSource ("purchase source") {
        Manual => "manual", "Manual";
        Import => "import", "Import";
        Webhook => "webhook", "Webhook";
        Api => "api", "API";
    }
}

vocabulary! {
    SubscriptionStatus ("subscription status") {
        Active => "active", "Active";
        PastDue => "past_due", "Past due";
        Cancelled => "cancelled", "Cancelled";
    }
}

vocabulary! {
    /// The digital audio workstation a fan produces in.
    Daw ("DAW") {
        AbletonLive => "ableton_live", "Ableton Live";
        FlStudio => "fl_studio", "FL Studio";
        LogicPro => "logic_pro", "Logic Pro";
        ProTools => "pro_tools", "Pro Tools";
        Cubase => "cubase", "Cubase";
        StudioOne => "studio_one", "Studio One";
        Reaper => "reaper", "Reaper";
        Bitwig => "bitwig", "Bitwig";
        Other => "other", "Other";
    }
}

vocabulary! {
    Genre ("genre") {
        HipHop => "hip_hop", "Hip-hop";
        Trap => "trap", "Trap";
        LoFi => "lofi", "Lo-fi";
        House => "house", "House";
        Techno => "techno", "Techno";
        DrumAndBass => "dnb", "Drum & bass";
        Dubstep => "dubstep", "Dubstep";
        Pop => "pop", "Pop";
        RnB => "rnb", "R&B";
        Edm => "edm", "EDM";
        Ambient => "ambient", "Ambient";
        FilmScore => "film_score", "Film score";
        Rock => "rock", "Rock";
        Other => "other", "Other";
    }
}

vocabulary! {
    SkillLevel ("skill level") {
        Beginner => "beginner", "Beginner";
        Intermediate => "intermediate", "Intermediate";
        Advanced => "advanced", "Advanced";
        Pro => "pro", "Pro";
    }
}

vocabulary! {
    /// Whether Encore may email a fan. Refunds never change it.
    EmailStatus ("email status") {
        Subscribed => "subscribed", "Subscribed";
        Unsubscribed => "unsubscribed", "Unsubscribed";
        Bounced => "bounced", "Bounced";
        Complained => "complained", "Complained";
    }
}

vocabulary! {
    /// How a fan joined the audience.
    FanSource ("fan source") {
        Purchase => "purchase", "Purchase";
        Manual => "manual", "Added by hand";
        Import => "import", "Import";
        Signup => "signup", "Sign-up form";
    }
}

vocabulary! {
    /// What a bulk tag change does to the selected fans.
    TagAction ("tag action") {
        Add => "add", "Add";
        Remove => "remove", "Remove";
    }
}

vocabulary! {
    /// What a fan activity row records.
    ActivityKind ("activity kind") {
        Purchase => "purchase", "Purchase";
        Refund => "refund", "Refund";
        Open => "open", "Opened an email";
        Click => "click", "Clicked a link";
        Reply => "reply", "Replied";
        TagAdded => "tag_added", "Tag added";
        TagRemoved => "tag_removed", "Tag removed";
        ProfileEdit => "profile_edit", "Profile edited";
        StatusChange => "status_change", "Email status changed";
    }
}

vocabulary! {
    /// Where a campaign is in its life: written, waiting for its time, going out, held,
    /// stopped for good, or done.
    CampaignStatus ("campaign status") {
        Draft => "draft", "Draft";
        Scheduled => "scheduled", "Scheduled";
        Sending => "sending", "Sending";
        Paused => "paused", "Paused";
        Cancelled => "cancelled", "Cancelled";
        Sent => "sent", "Sent";
    }
}

impl CampaignStatus {
    /// Not started sending yet (a draft, or scheduled): its content and audience can still
    /// change, and it can still be sent or scheduled.
    pub fn is_editable(self) -> bool {
        matches!(self, CampaignStatus::Draft | CampaignStatus::Scheduled)
    }
}

vocabulary! {
    /// One recipient's message in the send queue.
    RecipientStatus ("recipient status") {
        Queued => "queued", "Queued";
        /// Claimed by a worker; a claim whose lease lapsed is taken again.
        Sending => "sending", "Sending";
        Sent => "sent", "Sent";
        Failed => "failed", "Failed";
        /// Not sent: the fan unsubscribed (or bounced) before their turn.
        Skipped => "skipped", "Skipped";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slug_parses_back_to_its_value() {
        for kind in ProductKind::ALL {
            assert_eq!(kind.as_str().parse::<ProductKind>(), Ok(*kind));
        }
        for daw in Daw::ALL {
            assert_eq!(daw.as_str().parse::<Daw>(), Ok(*daw));
        }
        for genre in Genre::ALL {
            assert_eq!(genre.as_str().parse::<Genre>(), Ok(*genre));
        }
    }

    #[test]
    fn an_unknown_slug_names_the_vocabulary() {
        let err = "garageband".parse::<Daw>().unwrap_err();
        assert_eq!(err.to_string(), "unknown DAW \"garageband\"");
    }

    #[test]
    fn values_serialize_as_their_slug() {
        assert_eq!(
            serde_json::to_string(&Daw::AbletonLive).unwrap(),
            "\"ableton_live\""
        );
        assert_eq!(
            serde_json::from_str::<SkillLevel>("\"pro\"").unwrap(),
            SkillLevel::Pro
        );
        assert!(serde_json::from_str::<SkillLevel>("\"wizard\"").is_err());
    }
}
