//! Fans by hand, profiles, tags, engagement and erasure.

use chrono::{Duration, Utc};
use encore::domain::DomainError;
use encore::domain::audience::engagement::{EngagementEvent, Recorded, record_engagement};
use encore::domain::audience::fans::{
    AddedFan, FanForm, NewFan, Profile, ProfileForm, add_fan, erase_fan, update_profile,
};
use encore::domain::audience::queries::list_tags;
use encore::domain::audience::scoring::Engagement;
use encore::domain::audience::tagging::{
    FanSelection, add_tag, delete_tag, remove_tag, rename_tag,
};
use encore::domain::audience::tags::TagName;
use encore::dto::FanFilter;
use encore::entities::{fan, fan_activity, fan_genre, fan_tag};
use encore::vocab::{Daw, EmailStatus, FanSource, SkillLevel};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::db_test;
use crate::fixtures::*;

fn new_fan(email: &str, tags: &str) -> NewFan {
    NewFan::parse(FanForm {
        email,
        profile: ProfileForm::default(),
        tags,
    })
    .unwrap()
}

/// The id of a fan added by hand with these tags.
async fn added(db: &DatabaseConnection, store_id: i64, email: &str, tags: &str) -> i64 {
    add_fan(db, store_id, &new_fan(email, tags))
        .await
        .unwrap()
        .fan_id()
}

fn tag(name: &str) -> TagName {
    TagName::parse(name).unwrap()
}

fn event(store_id: i64, fan_id: i64, kind: Engagement, reference: &str) -> EngagementEvent {
    EngagementEvent {
        store_id,
        fan_id,
        kind,
        reference: reference.to_owned(),
        detail: "November newsletter".to_owned(),
        occurred_at: None,
    }
}

db_test!(
    a_fan_added_by_hand_is_found_again_by_email,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let created = add_fan(
            &db,
            store_id,
            &NewFan::parse(FanForm {
                email: "Mo@Example.com",
                profile: ProfileForm {
                    name: "Mo",
                    daw: "fl_studio",
                    genres: &["trap".into(), "hip_hop".into()],
                    skill: "intermediate",
                    goals: "Get signed",
                },
                tags: "FL Studio, trap",
            })
            .unwrap(),
        )
        .await
        .unwrap();
        let AddedFan::Created(fan_id) = created else {
            panic!("{created:?}")
        };

        let again = add_fan(&db, store_id, &new_fan("mo@example.com ", "other"))
            .await
            .unwrap();
        assert_eq!(again, AddedFan::AlreadyExists(fan_id));
        assert_eq!(fan::Entity::find().count(&db).await.unwrap(), 1);

        let stored = fan::Entity::find_by_id(fan_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.source, stored.daw),
            (FanSource::Manual, Some(Daw::FlStudio))
        );
        assert_eq!(stored.email_status, EmailStatus::Subscribed);
        assert_eq!(tags_of(&db, fan_id).await, ["FL Studio", "trap"]);
        assert_eq!(fan_genre::Entity::find().count(&db).await.unwrap(), 2);
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    a_fan_who_already_bought_is_tagged_customer_when_added,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;
        erase_fan(&db, store_id, bought.fan_id.unwrap())
            .await
            .unwrap();

        let added = add_fan(&db, store_id, &new_fan("ada@example.com", ""))
            .await
            .unwrap();

        assert_eq!(tags_of(&db, added.fan_id()).await, ["customer"]);
        let fan = fan::Entity::find_by_id(added.fan_id())
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fan.score, 0, "points belong to the erased fan's history");
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    erasing_a_fan_keeps_the_accounting,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let bought = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;
        let fan_id = bought.fan_id.unwrap();
        add_tag(
            &db,
            store_id,
            &FanSelection::Fans(vec![fan_id]),
            &tag("vip"),
        )
        .await
        .unwrap();

        erase_fan(&db, store_id, fan_id).await.unwrap();

        assert!(
            fan_by_email(&db, store_id, "ada@example.com")
                .await
                .is_none()
        );
        assert_eq!(fan_tag::Entity::find().count(&db).await.unwrap(), 0);
        assert_eq!(
            fan_activity::Entity::find()
                .filter(fan_activity::Column::FanId.eq(fan_id))
                .count(&db)
                .await
                .unwrap(),
            0
        );
        let customer = customer_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(customer.total_spent_cents, 9900, "revenue records stay");
        assert!(matches!(
            erase_fan(&db, store_id, fan_id).await,
            Err(DomainError::NotFound("fan"))
        ));
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    engagement_counts_once_per_reference,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let fan_id = add_fan(&db, store_id, &new_fan("mo@example.com", ""))
            .await
            .unwrap()
            .fan_id();

        let open = event(store_id, fan_id, Engagement::Open, "campaign-1");
        assert_eq!(
            record_engagement(&db, &open).await.unwrap(),
            Recorded::Counted { points: 1 }
        );
        let later = EngagementEvent {
            occurred_at: Some(Utc::now() + Duration::minutes(5)),
            ..open.clone()
        };
        assert_eq!(
            record_engagement(&db, &later).await.unwrap(),
            Recorded::AlreadyCounted
        );
        record_engagement(
            &db,
            &event(store_id, fan_id, Engagement::Click, "campaign-1"),
        )
        .await
        .unwrap();
        record_engagement(
            &db,
            &event(store_id, fan_id, Engagement::Click, "campaign-1"),
        )
        .await
        .unwrap();
        record_engagement(
            &db,
            &event(store_id, fan_id, Engagement::Reply, "message-9"),
        )
        .await
        .unwrap();
        record_engagement(
            &db,
            &event(store_id, fan_id, Engagement::Open, "campaign-2"),
        )
        .await
        .unwrap();

        let fan = fan::Entity::find_by_id(fan_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fan.score, 1 + 3 + 5 + 1);
        let last_open = fan.last_open_at.unwrap();
        assert!(
            last_open
                >= encore::domain::time::at_db_precision(later.occurred_at.unwrap())
                    - Duration::seconds(1)
        );
        assert!(fan.last_click_at.is_some());
        assert_eq!(activities_of(&db, fan_id).await.len(), 4);
        assert!(matches!(
            record_engagement(&db, &event(store_id, fan_id + 50, Engagement::Open, "c")).await,
            Err(DomainError::NotFound("fan"))
        ));
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    profile_edits_are_kept_and_noted,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let fan_id = add_fan(&db, store_id, &new_fan("mo@example.com", ""))
            .await
            .unwrap()
            .fan_id();
        let profile = Profile::parse(ProfileForm {
            name: "Mo Beats",
            daw: "ableton_live",
            genres: &["house".into()],
            skill: "pro",
            goals: "Tour",
        })
        .unwrap();

        update_profile(&db, store_id, fan_id, &profile)
            .await
            .unwrap();
        update_profile(&db, store_id, fan_id, &profile)
            .await
            .unwrap();

        let stored = fan::Entity::find_by_id(fan_id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.name, "Mo Beats");
        assert_eq!(stored.sort_name, "mo beats");
        assert_eq!(stored.skill_level, Some(SkillLevel::Pro));
        assert_eq!(
            activities_of(&db, fan_id).await,
            [(
                "Profile edited: name, DAW, genres, skill, goals".to_owned(),
                0
            )],
            "an edit that changes nothing is not noted"
        );
    }
);

db_test!(
    tags_are_one_per_spelling_and_bulk_changes_report_their_count,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let mut ids = Vec::new();
        for (email, tags) in [
            ("a@x.io", "Ableton"),
            ("b@x.io", "ableton "),
            ("c@x.io", ""),
            ("d@x.io", "trap"),
        ] {
            ids.push(
                add_fan(&db, store_id, &new_fan(email, tags))
                    .await
                    .unwrap()
                    .fan_id(),
            );
        }
        let tags = list_tags(&db, store_id).await.unwrap();
        let names: Vec<_> = tags.iter().map(|t| (t.name.as_str(), t.fans)).collect();
        assert_eq!(
            names,
            [("Ableton", 2), ("trap", 1)],
            "the first spelling is shown"
        );

        let everyone = FanSelection::Matching(FanFilter::default());
        let change = add_tag(&db, store_id, &everyone, &tag("ABLETON"))
            .await
            .unwrap();
        assert_eq!((change.tag.as_str(), change.fans_changed), ("Ableton", 2));

        let trap_fans = FanSelection::Matching(FanFilter {
            tags_any: vec!["TRAP".into()],
            ..Default::default()
        });
        let removed = remove_tag(&db, store_id, &trap_fans, &tag("ableton"))
            .await
            .unwrap();
        assert_eq!(removed.fans_changed, 1);
        assert_eq!(tags_of(&db, ids[3]).await, ["trap"]);
        // One timeline entry per fan and tag, updated in place: the latest change.
        assert_eq!(
            activities_of(&db, ids[3]).await,
            [("Untagged: Ableton".to_owned(), 0)]
        );

        for refused in [
            add_tag(&db, store_id, &everyone, &tag("Customer")).await,
            remove_tag(&db, store_id, &everyone, &tag("customer")).await,
        ] {
            assert!(
                matches!(refused, Err(DomainError::Invalid(_))),
                "{refused:?}"
            );
        }
        assert_invariants(&db, store_id).await;
    }
);

db_test!(
    renaming_a_tag_onto_another_merges_them,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let a = add_fan(&db, store_id, &new_fan("a@x.io", "lofi"))
            .await
            .unwrap()
            .fan_id();
        let b = add_fan(&db, store_id, &new_fan("b@x.io", "Lo-Fi, lofi"))
            .await
            .unwrap()
            .fan_id();
        let tags = list_tags(&db, store_id).await.unwrap();
        let lofi = tags.iter().find(|t| t.name == "lofi").unwrap().id;
        let lo_fi = tags.iter().find(|t| t.name == "Lo-Fi").unwrap().id;

        rename_tag(&db, store_id, lofi, &tag("lo-fi"))
            .await
            .unwrap();

        let tags = list_tags(&db, store_id).await.unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!(
            (tags[0].id, tags[0].name.as_str(), tags[0].fans),
            (lo_fi, "Lo-Fi", 2)
        );
        assert_eq!(tags_of(&db, a).await, ["Lo-Fi"]);
        assert_eq!(tags_of(&db, b).await, ["Lo-Fi"]);

        rename_tag(&db, store_id, lo_fi, &tag("Lofi Beats"))
            .await
            .unwrap();
        assert_eq!(
            list_tags(&db, store_id).await.unwrap()[0].name,
            "Lofi Beats"
        );
        delete_tag(&db, store_id, lo_fi).await.unwrap();
        assert!(list_tags(&db, store_id).await.unwrap().is_empty());
        assert!(tags_of(&db, a).await.is_empty());
        assert!(matches!(
            delete_tag(&db, store_id, lo_fi).await,
            Err(DomainError::NotFound("tag"))
        ));
    }
);

db_test!(
    a_stored_slug_the_code_does_not_know_is_a_logged_error_not_a_panic,
    |db: DatabaseConnection| async move {
        use encore::domain::audience::queries::{fan_profile, list_fans};
        use encore::domain::commerce::products::list_products;
        use encore::dto::FanQuery;
        use encore::error::AppError;
        use sea_orm::ConnectionTrait;

        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let fan_id = buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1")
            .await
            .fan_id
            .unwrap();
        // A hand-edited database, or a value written by a newer Encore.
        db.execute_unprepared(&format!(
            "UPDATE fans SET email_status = 'zombie' WHERE id = {fan_id}"
        ))
        .await
        .unwrap();
        db.execute_unprepared(&format!(
            "UPDATE products SET kind = 'ebook' WHERE id = {}",
            course.id
        ))
        .await
        .unwrap();
        let doubloons = store(&db).await;
        db.execute_unprepared(&format!(
            "UPDATE stores SET currency = 'XDB' WHERE id = {doubloons}"
        ))
        .await
        .unwrap();

        let failures = [
            fan_profile(&db, store_id, fan_id, 10).await.map(|_| ()),
            list_fans(&db, store_id, &FanQuery::default())
                .await
                .map(|_| ()),
            list_products(&db, store_id, true).await.map(|_| ()),
            list_fans(&db, doubloons, &FanQuery::default())
                .await
                .map(|_| ()),
            encore::domain::commerce::purchases::record_purchase(
                &db,
                &purchase(store_id, course.id, "bo@example.com", 9900, "o-2"),
            )
            .await
            .map(|_| ()),
        ];
        for failure in failures {
            let error = failure.unwrap_err();
            assert!(matches!(error, DomainError::Database(_)), "{error}");
            assert_eq!(AppError::from(error), AppError::Internal);
        }
    }
);

db_test!(
    erasing_from_the_form_needs_the_fans_email_typed_again,
    |db: DatabaseConnection| async move {
        use encore::domain::audience::fans::erase_fan_confirmed;

        let store_id = store(&db).await;
        let fan_id = added(&db, store_id, "mo@example.com", "").await;

        let error = erase_fan_confirmed(&db, store_id, fan_id, "someone@else.com")
            .await
            .unwrap_err();
        let DomainError::Invalid(errors) = error else {
            panic!("expected a validation error, got {error}");
        };
        assert_eq!(errors[0].field, "confirm");
        assert!(
            fan_by_email(&db, store_id, "mo@example.com")
                .await
                .is_some()
        );

        let other_store = store(&db).await;
        assert!(matches!(
            erase_fan_confirmed(&db, other_store, fan_id, "mo@example.com").await,
            Err(DomainError::NotFound("fan"))
        ));

        erase_fan_confirmed(&db, store_id, fan_id, "  MO@example.com ")
            .await
            .unwrap();
        assert!(
            fan_by_email(&db, store_id, "mo@example.com")
                .await
                .is_none()
        );
    }
);

db_test!(
    a_bulk_preview_counts_the_selection_and_shows_the_stores_spelling,
    |db: DatabaseConnection| async move {
        use encore::domain::audience::tagging::preview_bulk_change;

        let store_id = store(&db).await;
        let beta = added(&db, store_id, "a@example.com", "Beta").await;
        let other = added(&db, store_id, "b@example.com", "").await;
        let elsewhere = store(&db).await;
        let stranger = added(&db, elsewhere, "c@example.com", "").await;

        let picked = FanSelection::Fans(vec![beta, other, stranger]);
        let preview = preview_bulk_change(&db, store_id, &picked, &tag("beta "))
            .await
            .unwrap();
        assert_eq!((preview.fans, preview.tag.as_str()), (2, "Beta"));

        let everyone = FanSelection::Matching(FanFilter::default());
        let preview = preview_bulk_change(&db, store_id, &everyone, &tag("New Tag"))
            .await
            .unwrap();
        assert_eq!((preview.fans, preview.tag.as_str()), (2, "New Tag"));

        assert!(matches!(
            preview_bulk_change(&db, store_id, &everyone, &tag("Customer")).await,
            Err(DomainError::Invalid(_))
        ));
    }
);
