//! `encore backup`: a copy of a SQLite database taken while purchases are being recorded is
//! a state the database really was in (each writer's purchases up to some point, every
//! invariant holding), and the command refuses what it must not do.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use encore::entities::purchase;
use encore::server::backup::backup;
use encore::server::db;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::fixtures::*;

const WRITERS: usize = 2;

/// Purchase keys are `w{writer}-{n}`: each writer records n = 0, 1, 2, … in order.
async fn keys_by_writer(db: &DatabaseConnection) -> BTreeMap<String, Vec<u32>> {
    let mut by_writer: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for bought in purchase::Entity::find().all(db).await.unwrap() {
        let (writer, n) = bought.external_id.split_once('-').unwrap();
        by_writer
            .entry(writer.to_owned())
            .or_default()
            .push(n.parse().unwrap());
    }
    for numbers in by_writer.values_mut() {
        numbers.sort_unstable();
    }
    by_writer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_is_a_consistent_state_that_passes_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("encore.db").display());
    let db = db::connect(&url).await.unwrap();
    db::migrate(&db).await.unwrap();
    let store_id = store(&db).await;
    let product = masterclass(&db, store_id).await;

    // Writers record purchases until the backup is done, and one more each after it.
    let backed_up = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (db, backed_up) = (db.clone(), backed_up.clone());
            tokio::spawn(async move {
                for n in 0..100_000 {
                    let last = backed_up.load(Ordering::SeqCst);
                    let email = format!("fan{}@example.com", n % 25);
                    buy(
                        &db,
                        store_id,
                        product.id,
                        &email,
                        9900,
                        &format!("w{writer}-{n}"),
                    )
                    .await;
                    if last {
                        return;
                    }
                }
                panic!("the backup never finished");
            })
        })
        .collect();
    while purchase::Entity::find().count(&db).await.unwrap() < 20 {
        tokio::task::yield_now().await;
    }

    let target = dir.path().join("backup.db");
    let size = backup(&url, &target).await.expect("take the backup");
    backed_up.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(size > 0);

    let copy = db::connect(&format!("sqlite://{}", target.display()))
        .await
        .expect("open the backup");
    assert_invariants(&copy, store_id).await;
    let in_copy = keys_by_writer(&copy).await;
    let in_source = keys_by_writer(&db).await;
    let copied: usize = in_copy.values().map(Vec::len).sum();
    let recorded: usize = in_source.values().map(Vec::len).sum();
    assert!(copied >= 20, "the backup came after 20 purchases: {copied}");
    assert!(
        copied < recorded,
        "every writer recorded a purchase after the backup: {copied} of {recorded}"
    );
    for (writer, numbers) in &in_copy {
        let prefix: Vec<u32> = (0..u32::try_from(numbers.len()).unwrap()).collect();
        assert_eq!(
            numbers, &prefix,
            "writer {writer}'s purchases in the backup are the first ones it recorded"
        );
    }
    copy.close().await.unwrap();
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("encore.db").display());
    let db = db::connect(&url).await.unwrap();
    db::migrate(&db).await.unwrap();
    db.close().await.unwrap();

    let existing = dir.path().join("older-backup.db");
    std::fs::write(&existing, b"keep me").unwrap();
    let error = backup(&url, &existing).await.unwrap_err().to_string();
    assert!(error.contains("already exists"), "{error}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    let database = dir.path().join("encore.db");
    let error = backup(&url, &database).await.unwrap_err().to_string();
    assert!(error.contains("already exists"), "{error}");
}

#[tokio::test]
async fn a_backup_explains_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("encore.db").display());
    let target = dir.path().join("backup.db");

    let error = backup(&url, &target).await.unwrap_err().to_string();
    assert!(error.contains("no database at"), "{error}");
    assert!(
        !Path::new(&dir.path().join("encore.db")).exists(),
        "no empty database was made"
    );

    let error = backup("postgres://encore:secret@db.internal/encore", &target)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("pg_dump"), "{error}");
    assert!(!error.contains("secret"), "{error}");

    let db = db::connect(&url).await.unwrap();
    db::migrate(&db).await.unwrap();
    db.close().await.unwrap();
    let nowhere = dir.path().join("missing-dir").join("backup.db");
    let error = backup(&url, &nowhere).await.unwrap_err().to_string();
    assert!(error.contains("does not exist"), "{error}");
    assert!(!target.exists());
}
