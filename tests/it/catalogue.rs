//! Stores and products: create, rename, archive.

use encore::domain::DomainError;
use encore::domain::products::{ProductEdit, archive_product, edit_product, list_products};
use encore::domain::stores::{NewStore, archive_store, create_store, list_stores, rename_store};
use encore::vocab::ProductKind;
use sea_orm::DatabaseConnection;

use crate::db_test;
use crate::fixtures::*;

db_test!(
    stores_are_private_renamed_and_archived_out_of_the_list,
    |db: DatabaseConnection| async move {
        let owner = creator(&db).await;
        let stranger = creator(&db).await;
        let new = NewStore::parse("Night Owl Beats", "USD").unwrap();
        let store_id = create_store(&db, owner, &new).await.unwrap().id;

        let renamed = rename_store(&db, store_id, "  Owl   Audio ").await.unwrap();
        assert_eq!(renamed.name, "Owl Audio");
        assert!(matches!(
            rename_store(&db, store_id, " ").await,
            Err(DomainError::Invalid(_))
        ));
        let owned = list_stores(&db, owner).await.unwrap();
        assert_eq!(owned.len(), 1);
        assert_eq!(
            (owned[0].id, owned[0].name.as_str()),
            (store_id, "Owl Audio")
        );
        assert!(
            list_stores(&db, stranger).await.unwrap().is_empty(),
            "someone else's store is not theirs"
        );

        archive_store(&db, store_id).await.unwrap();
        assert!(list_stores(&db, owner).await.unwrap().is_empty());
        assert!(matches!(
            archive_store(&db, store_id).await,
            Err(DomainError::NotFound(_))
        ));
    }
);

db_test!(
    products_are_edited_and_archived_but_keep_their_sales,
    |db: DatabaseConnection| async move {
        let store_id = store(&db).await;
        let course = masterclass(&db, store_id).await;
        let pack = product(
            &db,
            store_id,
            "Drum Kit",
            ProductKind::SamplePack,
            2900,
            false,
        )
        .await;
        buy(&db, store_id, course.id, "ada@example.com", 9900, "o-1").await;

        let edited = edit_product(
            &db,
            store_id,
            course.id,
            &ProductEdit {
                name: None,
                price_cents: Some(12900),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (edited.name.as_str(), edited.price_cents),
            ("Mixing Masterclass", 12900)
        );
        let customer = customer_by_email(&db, store_id, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(
            customer.total_spent_cents, 9900,
            "a new price does not rewrite history"
        );

        archive_product(&db, store_id, pack.id).await.unwrap();
        let active: Vec<_> = list_products(&db, store_id, false)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(active, ["Mixing Masterclass"]);
        let all = list_products(&db, store_id, true).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().any(|p| p.archived));

        let other_store = store(&db).await;
        assert!(matches!(
            edit_product(&db, other_store, course.id, &ProductEdit::default()).await,
            Err(DomainError::NotFound("product"))
        ));
        assert_invariants(&db, store_id).await;
    }
);
