//! Stores and products: create, rename, archive.

use encore::domain::DomainError;
use encore::domain::accounts::creators::SignedIn;
use encore::domain::accounts::stores::{
    NewStore, archive_store, create_store, list_stores, rename_store,
};
use encore::domain::audience::queries::list_fans;
use encore::domain::commerce::customers::list_customers;
use encore::domain::commerce::products::{
    ProductEdit, archive_product, edit_product, list_products,
};
use encore::domain::commerce::revenue::dashboard;
use encore::dto::{CustomerQuery, DateRange, FanQuery, StoreSummary};
use encore::error::AppError;
use encore::server::access::owned_store;
use encore::server::session::Viewer;
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
        // The lists check the store at the same time as they read its rows: an archived
        // store's lists are not found, not empty.
        assert!(matches!(
            list_customers(&db, store_id, &CustomerQuery::default()).await,
            Err(DomainError::NotFound("store"))
        ));
        assert!(matches!(
            list_fans(&db, store_id, &FanQuery::default()).await,
            Err(DomainError::NotFound("store"))
        ));
        // So does the dashboard, which checks the store beside both periods' reads; and
        // for a store that never existed its past period's buyer count cannot be kept.
        let now = chrono::Utc::now();
        let today = now.date_naive();
        let month = DateRange {
            start: today - chrono::Days::new(29),
            end: today,
        };
        for store in [store_id, store_id + 1_000] {
            assert!(matches!(
                dashboard(&db, store, month, now).await,
                Err(DomainError::NotFound("store"))
            ));
        }
        assert!(matches!(
            archive_store(&db, store_id).await,
            Err(DomainError::NotFound(_))
        ));
    }
);

db_test!(
    a_request_reads_its_viewers_stores_once,
    |db: DatabaseConnection| async move {
        let owner = creator(&db).await;
        let stranger = creator(&db).await;
        let signed_in = |creator_id| {
            Some(SignedIn {
                creator_id,
                email: "owner@example.com".to_owned(),
            })
        };
        let first = create_store(&db, owner, &NewStore::parse("First", "USD").unwrap())
            .await
            .unwrap()
            .id;
        let theirs = create_store(&db, stranger, &NewStore::parse("Theirs", "EUR").unwrap())
            .await
            .unwrap()
            .id;
        let ids = |stores: &[StoreSummary]| stores.iter().map(|s| s.id).collect::<Vec<_>>();

        // A request's viewer, and the clone a server function of the same request gets.
        let request = Viewer::new(signed_in(owner), None);
        let same_request = request.clone();
        assert_eq!(ids(request.stores(&db).await.unwrap()), [first]);
        assert_eq!(
            owned_store(&db, &request, first).await.unwrap().name,
            "First"
        );
        assert!(
            matches!(
                owned_store(&db, &request, theirs).await,
                Err(AppError::NotFound)
            ),
            "someone else's store is not found"
        );

        // A store made after the first read: the request that read the list already keeps
        // that read, with every clone of its viewer; the next request sees the new store.
        let second = create_store(&db, owner, &NewStore::parse("Second", "GBP").unwrap())
            .await
            .unwrap()
            .id;
        assert_eq!(ids(same_request.stores(&db).await.unwrap()), [first]);
        let next_request = Viewer::new(signed_in(owner), None);
        assert_eq!(
            ids(next_request.stores(&db).await.unwrap()),
            [second, first]
        );
        assert_eq!(
            owned_store(&db, &next_request, second).await.unwrap().name,
            "Second"
        );

        archive_store(&db, first).await.unwrap();
        assert!(matches!(
            owned_store(&db, &Viewer::new(signed_in(owner), None), first).await,
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            Viewer::default().stores(&db).await,
            Err(AppError::Unauthorized)
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
                price: Some(usd(12900)),
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (edited.name.as_str(), edited.price_cents),
            ("Mixing Masterclass", cents(12900))
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
