//! The demo store and generated stores obey every invariant.

use encore::domain::accounts::creators::{NewPassword, sign_up, verify_login};
use encore::domain::accounts::stores::list_stores;
use encore::domain::audience::queries::list_tags;
use encore::domain::email::Email;
use encore::entities::{customer, fan, purchase, store};
use encore::tools::demo::{DEMO_EMAIL, load_demo};
use encore::tools::generate::{GenerateSpec, generate};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::db_test;
use crate::fixtures::*;

db_test!(
    the_demo_store_is_loaded_once_and_is_consistent,
    |db: DatabaseConnection| async move {
        let loaded = load_demo(&db, true)
            .await
            .unwrap()
            .expect("an empty database gets the demo");
        assert_eq!(loaded.store.name, "Night Owl Beats");
        assert_eq!(loaded.login, "demo@example.com");
        let password = loaded.password.clone();
        let login = encore::domain::accounts::creators::verify_login(&db, &loaded.login, &password)
            .await
            .unwrap();
        assert!(login.is_some(), "the printed login works");
        assert!(
            loaded.fans >= 300 && loaded.purchases >= 200 && loaded.refunds > 0,
            "{loaded:?}"
        );
        assert_invariants(&db, loaded.store.id).await;
        let tags = list_tags(&db, loaded.store.id).await.unwrap();
        for wanted in [
            "ableton",
            "fl-studio",
            "logic",
            "trap",
            "lofi",
            "beginner",
            "customer",
        ] {
            assert!(
                tags.iter().any(|t| t.name == wanted && t.fans > 0),
                "tag {wanted}"
            );
        }

        assert!(load_demo(&db, true).await.unwrap().is_none(), "not twice");
        assert_eq!(store::Entity::find().count(&db).await.unwrap(), 1);
    }
);

db_test!(
    the_demo_loader_never_takes_over_an_existing_account,
    |db: DatabaseConnection| async move {
        // Anyone could have signed up as the demo's address before the demo was loaded.
        let email = Email::parse(DEMO_EMAIL).unwrap();
        let theirs = NewPassword::parse("a squatter's own phrase", &email).unwrap();
        let squatter = sign_up(&db, &email, &theirs)
            .await
            .unwrap()
            .created()
            .expect("a new account");

        let loaded = load_demo(&db, false)
            .await
            .unwrap()
            .expect("the demo loads");
        assert_ne!(loaded.login, DEMO_EMAIL, "{loaded:?}");
        let owner = store::Entity::find_by_id(loaded.store.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .owner_id;
        assert_ne!(
            owner,
            Some(squatter.creator_id),
            "the demo store is not theirs"
        );
        assert!(
            list_stores(&db, squatter.creator_id)
                .await
                .unwrap()
                .is_empty()
        );
        let password = loaded.password.clone();
        let login = verify_login(&db, &loaded.login, &password)
            .await
            .unwrap()
            .expect("the printed login works");
        assert_eq!(Some(login.creator_id), owner);
        assert!(
            verify_login(&db, DEMO_EMAIL, "a squatter's own phrase")
                .await
                .unwrap()
                .is_some(),
            "their account is untouched"
        );
    }
);

db_test!(
    generated_stores_keep_every_invariant,
    |db: DatabaseConnection| async move {
        let spec = GenerateSpec {
            fans: 400,
            customers: 150,
            purchases: 600,
            seed: 42,
        };
        let owner = creator(&db).await;
        let made = generate(&db, owner, &spec).await.unwrap();

        assert_eq!((made.fans, made.customers, made.purchases), (400, 150, 600));
        assert_eq!(made.tags, 201, "200 tags and the customer tag");
        let in_store = |count: u64| count;
        assert_eq!(
            in_store(
                fan::Entity::find()
                    .filter(fan::Column::StoreId.eq(made.store_id))
                    .count(&db)
                    .await
                    .unwrap()
            ),
            400
        );
        assert_eq!(
            customer::Entity::find()
                .filter(customer::Column::StoreId.eq(made.store_id))
                .count(&db)
                .await
                .unwrap(),
            150
        );
        assert_eq!(
            purchase::Entity::find()
                .filter(purchase::Column::StoreId.eq(made.store_id))
                .count(&db)
                .await
                .unwrap(),
            600
        );
        assert_invariants(&db, made.store_id).await;

        // Deterministic: the same seed makes the same store (in a new store).
        let again = generate(&db, owner, &spec).await.unwrap();
        assert_eq!(
            (again.refunds, again.tag_links),
            (made.refunds, made.tag_links)
        );
        assert_invariants(&db, again.store_id).await;
        assert!(
            generate(
                &db,
                owner,
                &GenerateSpec {
                    fans: 1,
                    customers: 2,
                    purchases: 2,
                    seed: 1
                }
            )
            .await
            .is_err()
        );
    }
);
