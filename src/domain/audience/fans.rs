//! Fans added by hand, their producer profile, their email status, and erasure (GDPR): the
//! fan, their tags and activity go; the customer and purchase accounting stay.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, TryInsertResult,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::audience::sync::{self, NewActivity};
use crate::domain::audience::tags::{self, TagName};
use crate::domain::email::Email;
use crate::domain::error::Problems;
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::entities::{fan, fan_genre};
use crate::vocab::{ActivityKind, Daw, EmailStatus, FanSource, Genre, SkillLevel};

const MAX_NAME_CHARS: usize = 120;
const MAX_GOALS_CHARS: usize = 1000;
/// Tags one "Add fan" form may give: each may create a tag, all in one transaction.
pub const MAX_TAGS_PER_FORM: usize = 50;

/// The profile form's fields as typed: empty selects mean "not known".
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileForm<'a> {
    pub name: &'a str,
    /// A [`Daw`] slug, or empty.
    pub daw: &'a str,
    /// [`Genre`] slugs; empty ones are skipped.
    pub genres: &'a [String],
    /// A [`SkillLevel`] slug, or empty.
    pub skill: &'a str,
    pub goals: &'a str,
}

/// The producer profile: what a creator knows about how a fan makes music. The name is one
/// cleaned line, the genres sorted and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    name: String,
    daw: Option<Daw>,
    genres: Vec<Genre>,
    skill: Option<SkillLevel>,
    goals: String,
}

impl Profile {
    /// Reads the profile form.
    ///
    /// # Errors
    /// `Invalid`, naming each bad field.
    pub fn parse(form: ProfileForm<'_>) -> DomainResult<Profile> {
        let mut problems = Problems::new();
        let profile = Self::parse_into(&mut problems, form);
        problems.finish(|| profile)
    }

    fn parse_into(problems: &mut Problems, form: ProfileForm<'_>) -> Option<Profile> {
        let name = problems.check("name", text::single_line(form.name, MAX_NAME_CHARS));
        let daw = problems.check(
            "daw",
            optional_choice::<Daw>(form.daw, "Pick a DAW from the list."),
        );
        let skill = problems.check(
            "skill",
            optional_choice::<SkillLevel>(form.skill, "Pick a skill level from the list."),
        );
        let goals = problems.check("goals", text::multi_line(form.goals, MAX_GOALS_CHARS));
        let mut parsed_genres = Vec::new();
        for genre in form.genres.iter().filter(|genre| !genre.trim().is_empty()) {
            match genre.trim().parse::<Genre>() {
                Ok(genre) if !parsed_genres.contains(&genre) => parsed_genres.push(genre),
                Ok(_) => {}
                Err(_) => problems.add("genres", "Pick genres from the list."),
            }
        }
        parsed_genres.sort();
        Some(Profile {
            name: name?,
            daw: daw?,
            genres: parsed_genres,
            skill: skill?,
            goals: goals?,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn daw(&self) -> Option<Daw> {
        self.daw
    }

    /// Sorted, without repeats.
    pub fn genres(&self) -> &[Genre] {
        &self.genres
    }

    pub fn skill(&self) -> Option<SkillLevel> {
        self.skill
    }

    pub fn goals(&self) -> &str {
        &self.goals
    }
}

fn optional_choice<T: std::str::FromStr>(value: &str, message: &str) -> Result<Option<T>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| message.to_owned())
}

/// The "Add fan" form's fields as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct FanForm<'a> {
    pub email: &'a str,
    pub profile: ProfileForm<'a>,
    /// Comma-separated tag names.
    pub tags: &'a str,
}

/// A fan to add: a valid email, a profile, and tags without the managed `customer` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFan {
    email: Email,
    profile: Profile,
    tags: Vec<TagName>,
}

impl NewFan {
    /// Reads the "Add fan" form.
    ///
    /// # Errors
    /// `Invalid`, naming each bad field.
    pub fn parse(form: FanForm<'_>) -> DomainResult<NewFan> {
        let mut problems = Problems::new();
        let email = problems.check("email", Email::parse(form.email));
        let profile = Profile::parse_into(&mut problems, form.profile);
        let tags = problems.check(
            "tags",
            tags::parse_many(form.tags.split(','), MAX_TAGS_PER_FORM),
        );
        if let Some(tags) = &tags
            && tags.iter().any(TagName::is_customer_tag)
        {
            problems.add("tags", customer_tag_message());
        }
        problems.finish(|| {
            Some(NewFan {
                email: email?,
                profile: profile?,
                tags: tags?,
            })
        })
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn tags(&self) -> &[TagName] {
        &self.tags
    }
}

pub(crate) fn customer_tag_message() -> &'static str {
    "The customer tag is managed by Encore: it follows purchases and refunds."
}

/// The result of adding a fan by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddedFan {
    Created(i64),
    /// A fan with this email already existed; nothing was changed.
    AlreadyExists(i64),
}

impl AddedFan {
    pub fn fan_id(self) -> i64 {
        match self {
            AddedFan::Created(id) | AddedFan::AlreadyExists(id) => id,
        }
    }
}

/// Adds a fan by hand (source `manual`). A fan with the same email in the store is
/// returned instead of creating a second one.
///
/// # Errors
/// `NotFound` for an unknown store.
pub async fn add_fan(
    db: &DatabaseConnection,
    store_id: i64,
    new: &NewFan,
) -> DomainResult<AddedFan> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        stores::find_active(&tx, store_id).await?;
        let now = time::now();
        let inserted = fan::Entity::insert(fan::ActiveModel {
            store_id: Set(store_id),
            email: Set(new.email.as_str().to_owned()),
            name: Set(new.profile.name.clone()),
            sort_name: Set(text::sort_key(&new.profile.name, new.email.as_str())),
            score: Set(0),
            daw: Set(new.profile.daw),
            skill_level: Set(new.profile.skill),
            goals: Set(new.profile.goals.clone()),
            email_status: Set(EmailStatus::Subscribed),
            source: Set(FanSource::Manual),
            created_at: Set(now),
            last_activity_at: Set(now),
            last_open_at: Set(None),
            last_click_at: Set(None),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([fan::Column::StoreId, fan::Column::Email])
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(&tx)
        .await?;
        let fan_id = match inserted {
            TryInsertResult::Inserted(result) => result.last_insert_id,
            TryInsertResult::Conflicted | TryInsertResult::Empty => {
                let existing = sync::find_fan_by_email(&tx, store_id, new.email.as_str())
                    .await?
                    .ok_or(DomainError::Contended)?;
                return Ok(AddedFan::AlreadyExists(existing.id));
            }
        };
        replace_genres(&tx, store_id, fan_id, &new.profile.genres).await?;
        let tag_ids = sync::ensure_tags(&tx, store_id, &new.tags).await?;
        for tag_id in tag_ids {
            sync::tag_fan(&tx, store_id, fan_id, tag_id).await?;
        }
        // Someone who bought before being added (or after an erasure) is a customer.
        sync::sync_customer_tag(&tx, store_id, fan_id, new.email.as_str()).await?;
        tx.commit().await?;
        Ok(AddedFan::Created(fan_id))
    })
    .await
}

/// Replaces a fan's producer profile. The change is noted in the activity timeline.
///
/// # Errors
/// `NotFound` for a fan not in this store.
pub async fn update_profile(
    db: &DatabaseConnection,
    store_id: i64,
    fan_id: i64,
    profile: &Profile,
) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_in_store(&tx, store_id, fan_id).await?;
        let changed = changed_fields(&tx, &existing, profile).await?;
        if changed.is_empty() {
            return Ok(());
        }
        let email = existing.email.clone();
        let mut active: fan::ActiveModel = existing.into();
        active.name = Set(profile.name.clone());
        active.sort_name = Set(text::sort_key(&profile.name, &email));
        active.daw = Set(profile.daw);
        active.skill_level = Set(profile.skill);
        active.goals = Set(profile.goals.clone());
        active.update(&tx).await?;
        replace_genres(&tx, store_id, fan_id, &profile.genres).await?;
        sync::record_activity(
            &tx,
            NewActivity {
                store_id,
                fan_id,
                kind: ActivityKind::ProfileEdit,
                detail: format!("Profile edited: {}", changed.join(", ")),
                points: 0,
                reference: None,
                purchase_id: None,
                occurred_at: time::now(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

async fn changed_fields(
    db: &impl ConnectionTrait,
    existing: &fan::Model,
    profile: &Profile,
) -> DomainResult<Vec<&'static str>> {
    let mut changed = Vec::new();
    if existing.name != profile.name {
        changed.push("name");
    }
    if existing.daw != profile.daw {
        changed.push("DAW");
    }
    let mut genres: Vec<Genre> = fan_genre::Entity::find()
        .filter(fan_genre::Column::FanId.eq(existing.id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.genre)
        .collect();
    genres.sort();
    // A profile's genres are sorted when parsed.
    if genres != profile.genres {
        changed.push("genres");
    }
    if existing.skill_level != profile.skill {
        changed.push("skill");
    }
    if existing.goals != profile.goals {
        changed.push("goals");
    }
    Ok(changed)
}

async fn replace_genres(
    db: &impl ConnectionTrait,
    store_id: i64,
    fan_id: i64,
    genres: &[Genre],
) -> DomainResult<()> {
    fan_genre::Entity::delete_many()
        .filter(fan_genre::Column::FanId.eq(fan_id))
        .exec(db)
        .await?;
    if !genres.is_empty() {
        fan_genre::Entity::insert_many(genres.iter().map(|genre| fan_genre::ActiveModel {
            fan_id: Set(fan_id),
            genre: Set(*genre),
            store_id: Set(store_id),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Records whether the fan can be emailed. Purchases and refunds never change it.
///
/// # Errors
/// `NotFound` for a fan not in this store.
pub async fn set_email_status(
    db: &DatabaseConnection,
    store_id: i64,
    fan_id: i64,
    status: EmailStatus,
) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_in_store(&tx, store_id, fan_id).await?;
        if existing.email_status == status {
            return Ok(());
        }
        let mut active: fan::ActiveModel = existing.into();
        active.email_status = Set(status);
        active.update(&tx).await?;
        sync::record_activity(
            &tx,
            NewActivity {
                store_id,
                fan_id,
                kind: ActivityKind::StatusChange,
                detail: format!("Email status: {}", status.label()),
                points: 0,
                reference: None,
                purchase_id: None,
                occurred_at: time::now(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Erases a fan (GDPR): the fan, their genres, tags and activity are deleted. Customer and
/// purchase records stay, because they are the store's accounting.
///
/// # Errors
/// `NotFound` for a fan not in this store.
pub async fn erase_fan(db: &DatabaseConnection, store_id: i64, fan_id: i64) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        find_in_store(&tx, store_id, fan_id).await?;
        delete(&tx, fan_id).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Erases a fan (as [`erase_fan`]) once the creator has typed their email again, in any
/// case: the erase form's confirmation.
///
/// # Errors
/// `NotFound` for a fan not in this store; `Invalid` on `confirm` when the typed email is
/// not the fan's.
pub async fn erase_fan_confirmed(
    db: &DatabaseConnection,
    store_id: i64,
    fan_id: i64,
    confirm: &str,
) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let fan = find_in_store(&tx, store_id, fan_id).await?;
        if confirm.trim().to_lowercase() != fan.email {
            return Err(DomainError::invalid(
                "confirm",
                "Type the fan's email address exactly to confirm.",
            ));
        }
        delete(&tx, fan_id).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Tags, genres and activities go with the fan (ON DELETE CASCADE).
async fn delete(tx: &impl ConnectionTrait, fan_id: i64) -> DomainResult<()> {
    fan::Entity::delete_by_id(fan_id).exec(tx).await?;
    Ok(())
}

/// The fan with this id, if they belong to the store.
pub(crate) async fn find_in_store(
    db: &impl ConnectionTrait,
    store_id: i64,
    fan_id: i64,
) -> DomainResult<fan::Model> {
    fan::Entity::find_by_id(fan_id)
        .filter(fan::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("fan"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_fan_form_is_parsed_and_cleaned() {
        let genres = ["trap".into(), "lofi".into(), "trap".into(), "".into()];
        let fan = NewFan::parse(FanForm {
            email: " Ada@Example.com ",
            profile: ProfileForm {
                name: " Ada  L ",
                daw: "ableton_live",
                genres: &genres,
                skill: "beginner",
                goals: "Finish my first EP",
            },
            tags: "Ableton, newsletter , ableton",
        })
        .unwrap();
        assert_eq!(fan.email.as_str(), "ada@example.com");
        assert_eq!(fan.profile.name, "Ada L");
        assert_eq!(fan.profile.daw, Some(Daw::AbletonLive));
        assert_eq!(fan.profile.genres, vec![Genre::Trap, Genre::LoFi]);
        assert_eq!(fan.profile.skill, Some(SkillLevel::Beginner));
        let tags: Vec<_> = fan.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(tags, ["Ableton", "newsletter"]);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let genres = ["polka".into()];
        let form = FanForm {
            email: "nope",
            profile: ProfileForm {
                daw: "garageband",
                genres: &genres,
                skill: "wizard",
                ..ProfileForm::default()
            },
            tags: "Customer",
        };
        let DomainError::Invalid(errors) = NewFan::parse(form).unwrap_err() else {
            panic!("expected validation errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "daw", "skill", "genres", "tags"]);
    }
}
