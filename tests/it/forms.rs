//! Forms posted as a browser with JavaScript off posts them (#27 item 1, #30 item 9): a
//! rejected post comes back to the page's clean address with what was typed (passwords
//! aside) and the message by its field, once; a page says only what the server told this
//! visitor, never what a URL says.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use encore::api::auth::{ChangePassword, LogIn, SignUp};
use encore::api::campaigns::{CreateCampaign, SaveEmailSettings};
use encore::api::customers::{RecordManualPurchase, Refund};
use encore::api::fans::{AddFan, ApplyBulkTag, RenameTag, TagFan, UpdateFanProfile};
use encore::api::products::CreateProduct;
use encore::api::stores::CreateStore;
use encore::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan};
use encore::domain::audience::queries::list_tags;
use encore::entities::form_flash;
use leptos::server_fn::ServerFn;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::app_test;
use crate::fixtures::{buy, masterclass};
use crate::support::TestApp;

/// Posts `form` to server function `S` from the page at `page`, as a browser without
/// JavaScript; checks the answer sends the browser back to `page` itself (no `__err`, no
/// `__path`), and returns that page as the browser then sees it.
async fn rejected<S: ServerFn>(app: &TestApp, page: &str, form: &[(&str, &str)]) -> String {
    let response = app.post_form(S::PATH, page, form).await;
    assert_eq!(response.status(), 303, "{} from {page}", S::PATH);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, page, "back to the page's own, clean address");
    app.get_text(&location).await
}

/// The page once more: the flash was shown once, and is gone.
async fn again(app: &TestApp, page: &str) -> String {
    app.get_text(page).await
}

async fn fan(db: &DatabaseConnection, store_id: i64, email: &str) -> i64 {
    add_fan(
        db,
        store_id,
        &NewFan::parse(FanForm {
            email,
            profile: ProfileForm::default(),
            tags: "lofi",
        })
        .unwrap(),
    )
    .await
    .unwrap()
    .fan_id()
}

/// Every flash row's payload: what the server keeps between the post and the page.
async fn kept(db: &DatabaseConnection) -> String {
    form_flash::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.payload)
        .collect()
}

app_test!(
    a_refused_sale_comes_back_as_typed_with_the_message_by_its_field,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let store = store_id.to_string();
        let page = format!("/store/{store_id}/customers/new");
        let html = rejected::<RecordManualPurchase>(
            &app,
            &page,
            &[
                ("store_id", &store),
                ("request_key", "refused-sale"),
                ("email", "not-an-email"),
                ("name", "Ada Lovelace"),
                ("product_id", "new"),
                ("new_product_name", "Mixing Night"),
                ("new_product_kind", "coaching"),
                ("amount", "45.50"),
                ("date", "2026-11-08"),
            ],
        )
        .await;
        for typed in [
            r#"value="not-an-email""#,
            r#"value="Ada Lovelace""#,
            r#"value="Mixing Night""#,
            r#"value="45.50""#,
            r#"value="2026-11-08""#,
            r#"<option value="new" selected"#,
            r#"<option value="coaching" selected"#,
        ] {
            assert!(html.contains(typed), "{typed} in {html}");
        }
        assert!(html.contains(r#"id="purchase-email-error""#), "{html}");
        let html = again(&app, &page).await;
        assert!(!html.contains("Ada Lovelace"), "shown once");
        assert!(!html.contains(r#"id="purchase-email-error""#), "shown once");
    }
);

app_test!(
    a_refused_refund_comes_back_as_typed,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let product = masterclass(&app.db, store_id).await;
        let receipt = buy(&app.db, store_id, product.id, "lin@example.com", 9900, "k1").await;
        let page = format!(
            "/store/{store_id}/customers/{}/refund/{}",
            receipt.customer_id, receipt.purchase_id
        );
        let html = rejected::<Refund>(
            &app,
            &page,
            &[
                ("store_id", &store_id.to_string()),
                ("purchase_id", &receipt.purchase_id.to_string()),
                ("amount", "lots"),
                ("reason", "Asked twice"),
                ("request_key", "refund-1"),
            ],
        )
        .await;
        assert!(html.contains(r#"value="lots""#), "{html}");
        assert!(html.contains(r#"value="Asked twice""#), "{html}");
        assert!(html.contains(r#"id="refund-amount-error""#), "{html}");
        assert!(!again(&app, &page).await.contains("Asked twice"));
    }
);

app_test!(
    a_refused_fan_comes_back_with_profile_and_tags_as_typed,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let page = format!("/store/{store_id}/contacts/new");
        let html = rejected::<AddFan>(
            &app,
            &page,
            &[
                ("store_id", &store_id.to_string()),
                ("email", "ada-at-example"),
                ("name", "Ada Lovelace"),
                ("daw", "ableton_live"),
                ("genres[]", "techno"),
                ("skill", "advanced"),
                ("goals", "Finish a first EP"),
                ("tags", "workshop, ableton"),
            ],
        )
        .await;
        for typed in [
            r#"value="ada-at-example""#,
            r#"value="Ada Lovelace""#,
            r#"value="Finish a first EP""#,
            r#"value="workshop, ableton""#,
            r#"<option value="ableton_live" selected"#,
            r#"<option value="advanced" selected"#,
            r#"value="techno" checked"#,
        ] {
            assert!(html.contains(typed), "{typed} in {html}");
        }
        assert!(html.contains(r#"id="fan-email-error""#), "{html}");
        assert!(!again(&app, &page).await.contains("Ada Lovelace"));
    }
);

app_test!(
    a_refused_profile_save_and_tag_come_back_as_typed,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let fan_id = fan(&app.db, store_id, "ada@example.com").await;
        let page = format!("/store/{store_id}/contacts/{fan_id}");
        let (store, fan) = (store_id.to_string(), fan_id.to_string());
        let html = rejected::<UpdateFanProfile>(
            &app,
            &page,
            &[
                ("store_id", &store),
                ("fan_id", &fan),
                ("name", "Ada Typed"),
                ("daw", "theremin"),
                ("skill", "pro"),
                ("goals", "Tour Japan"),
            ],
        )
        .await;
        assert!(html.contains(r#"value="Ada Typed""#), "{html}");
        assert!(html.contains(r#"value="Tour Japan""#), "{html}");
        assert!(html.contains(r#"id="profile-daw-error""#), "{html}");

        let long = "x".repeat(60);
        let html = rejected::<TagFan>(
            &app,
            &page,
            &[("store_id", &store), ("fan_id", &fan), ("tag", &long)],
        )
        .await;
        assert!(html.contains(&format!(r#"value="{long}""#)), "{html}");
        assert!(
            html.contains("A tag can be at most 50 characters."),
            "{html}"
        );
        assert!(!again(&app, &page).await.contains(&long));
    }
);

app_test!(
    a_refused_rename_keeps_the_typed_name,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        fan(&app.db, store_id, "ada@example.com").await;
        let tag_id = list_tags(&app.db, store_id).await.unwrap()[0]
            .id
            .to_string();
        let page = format!("/store/{store_id}/tags?rename={tag_id}");
        let long = "y".repeat(60);
        let html = rejected::<RenameTag>(
            &app,
            &page,
            &[
                ("store_id", &store_id.to_string()),
                ("tag_id", &tag_id),
                ("name", &long),
            ],
        )
        .await;
        assert!(html.contains(&format!(r#"value="{long}""#)), "{html}");
        assert!(html.contains(r#"id="rename-tag-error""#), "{html}");
    }
);

app_test!(
    a_refused_bulk_tag_says_why_on_its_clean_page,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let fan_id = fan(&app.db, store_id, "ada@example.com").await.to_string();
        let page = format!("/store/{store_id}/contacts/bulk?ids={fan_id}&tag=trap&op=add");
        let html = rejected::<ApplyBulkTag>(
            &app,
            &page,
            &[
                ("store_id", &store_id.to_string()),
                ("ids", &fan_id),
                ("everyone", "false"),
                ("tag", "customer"),
                ("action", "add"),
            ],
        )
        .await;
        assert!(
            html.contains("The customer tag is managed by Encore"),
            "{html}"
        );
        assert!(
            html.contains("Add tag trap to 1 fan?"),
            "the confirmation stays: {html}"
        );
        assert!(!again(&app, &page).await.contains("managed by Encore"));
    }
);

app_test!(
    a_refused_store_and_product_come_back_as_typed,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let html =
            rejected::<CreateStore>(&app, "/", &[("name", "Beat Lab"), ("currency", "XYZ")]).await;
        assert!(html.contains(r#"value="Beat Lab""#), "{html}");
        assert!(html.contains("Pick a currency from the list."), "{html}");
        let html = rejected::<CreateStore>(&app, "/", &[("name", " "), ("currency", "EUR")]).await;
        assert!(html.contains(r#"<option value="EUR" selected"#), "{html}");

        let store_id = app.create_store_with(&app.client, "Beat Lab").await;
        let page = format!("/store/{store_id}/products");
        let html = rejected::<CreateProduct>(
            &app,
            &page,
            &[
                ("store_id", &store_id.to_string()),
                ("name", "Drum Kit Vol. 2"),
                ("kind", "sample_pack"),
                ("price", "cheap"),
                ("is_subscription", "on"),
            ],
        )
        .await;
        assert!(html.contains(r#"value="Drum Kit Vol. 2""#), "{html}");
        assert!(html.contains(r#"value="cheap""#), "{html}");
        assert!(
            html.contains(r#"<option value="sample_pack" selected"#),
            "{html}"
        );
        assert!(html.contains(r#"name="is_subscription" checked"#), "{html}");
        assert!(html.contains(r#"id="product-price-error""#), "{html}");
    }
);

app_test!(
    sign_up_and_log_in_keep_the_email_and_never_the_password,
    |app: TestApp| async move {
        let html = rejected::<SignUp>(
            &app,
            "/signup",
            &[("email", "ada@example.com"), ("password", "password1")],
        )
        .await;
        assert!(html.contains(r#"value="ada@example.com""#), "{html}");
        assert!(html.contains(r#"id="signup-password-error""#), "{html}");
        assert!(!html.contains("password1"));

        let html = rejected::<LogIn>(
            &app,
            "/login?next=%2Faccount",
            &[
                ("email", "ada@example.com"),
                ("password", "not the password"),
                ("next", "/account"),
            ],
        )
        .await;
        assert!(html.contains(r#"value="ada@example.com""#), "{html}");
        assert!(
            html.contains("don&#x27;t match an account") || html.contains("don't match an account"),
            "{html}"
        );
        assert!(html.contains(r#"value="/account""#), "next is kept: {html}");
        assert!(!html.contains("not the password"));
        assert!(
            !again(&app, "/login?next=%2Faccount")
                .await
                .contains("ada@example.com")
        );
    }
);

app_test!(
    a_refused_password_change_keeps_no_password,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app
            .post_form(
                ChangePassword::PATH,
                "/account",
                &[
                    ("current", "wrong current secret"),
                    ("password", "a new long secret phrase"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/account");
        let stored = kept(&app.db).await;
        assert!(!stored.contains("wrong current secret") && !stored.contains("a new long secret"));
        let html = app.get_text("/account").await;
        assert!(html.contains(r#"id="current-password-error""#), "{html}");
        assert!(!html.contains("wrong current secret") && !html.contains("a new long secret"));
    }
);

app_test!(
    a_refused_campaign_and_sender_come_back_as_typed,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let store = store_id.to_string();
        let page = format!("/store/{store_id}/campaigns/new");
        let body = "Hello {first_name|there},\n\nA long *draft* I must not lose.";
        // Drafts are saved with their problems; only an over-long field is refused.
        let subject = "s".repeat(201);
        let html = rejected::<CreateCampaign>(
            &app,
            &page,
            &[
                ("store_id", &store),
                ("subject", &subject),
                ("preheader", "New pack out"),
                ("from_name", "Night Owl"),
                ("body", body),
            ],
        )
        .await;
        assert!(html.contains("A long *draft* I must not lose."), "{html}");
        assert!(html.contains(r#"value="New pack out""#), "{html}");
        assert!(html.contains(r#"id="campaign-subject-error""#), "{html}");

        let page = format!("/store/{store_id}/campaigns/settings");
        let html = rejected::<SaveEmailSettings>(
            &app,
            &page,
            &[
                ("store_id", &store),
                ("sender_name", "Night Owl Beats"),
                ("sender_address", "not an address"),
                ("reply_to", ""),
                ("postal_address", "1 Studio Lane"),
            ],
        )
        .await;
        assert!(html.contains(r#"value="Night Owl Beats""#), "{html}");
        assert!(html.contains(r#"value="not an address""#), "{html}");
        assert!(html.contains("1 Studio Lane"), "{html}");
        assert!(html.contains(r#"id="sender-address-error""#), "{html}");
    }
);

app_test!(
    a_success_notice_is_shown_once_and_only_to_its_visitor,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let response = app
            .post_form(
                CreateStore::PATH,
                "/",
                &[("name", "Night Owl Beats"), ("currency", "EUR")],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/");
        let html = app.get_text("/").await;
        assert!(html.contains("Created “Night Owl Beats”."), "{html}");
        assert!(!app.get_text("/").await.contains("Created “"), "shown once");
    }
);

app_test!(messages_in_a_url_show_nothing, |app: TestApp| async move {
    let store_id = app.signed_in_store().await;
    let crafted = URL_SAFE.encode(r#"{"Invalid":[{"field":"email","message":"Crafted wording"}]}"#);
    let conflict = URL_SAFE.encode(r#"{"Conflict":"Crafted conflict"}"#);
    for path in [
        format!(
            "/store/{store_id}/customers/new?__path={}&__err={crafted}",
            RecordManualPurchase::PATH
        ),
        format!(
            "/store/{store_id}/contacts/new?__path={}&__err={conflict}",
            AddFan::PATH
        ),
        format!("/?__path={}&__err={conflict}", CreateStore::PATH),
    ] {
        let html = app.get_text(&path).await;
        assert!(!html.contains("Crafted"), "{path}: {html}");
        assert!(!html.contains("__err"), "{path}: {html}");
    }
    let mut store = std::collections::HashMap::new();
    store.insert(
        "Tag renamed to Evil Corp.",
        format!("/store/{store_id}/tags?done=renamed&tag=Evil%20Corp"),
    );
    store.insert("Created “", format!("/?created={store_id}"));
    store.insert(
        "Draft saved.",
        format!("/store/{store_id}/campaigns/settings?saved=1"),
    );
    store.insert(
        "Email settings saved.",
        format!("/store/{store_id}/campaigns/settings?saved=1"),
    );
    store.insert("Password changed.", "/account?password=changed".to_owned());
    for (wording, path) in store {
        let html = app.get_text(&path).await;
        assert!(!html.contains(wording), "{path}: {html}");
    }
    let anonymous = app.another_client();
    let html = anonymous
        .get(app.url("/login?signed_up=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("your account is ready"), "{html}");
});

app_test!(
    a_flash_for_one_creator_is_never_shown_to_another,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let page = format!("/store/{store_id}/customers/new");
        let response = app
            .post_form(
                RecordManualPurchase::PATH,
                &page,
                &[
                    ("store_id", &store_id.to_string()),
                    ("request_key", "k"),
                    ("email", "secret-typing"),
                    ("product_id", "new"),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        // The flash cookie, carried by another browser signed in as someone else.
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.starts_with("encore_flash="))
            .expect("a flash cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let other = app.another_client();
        app.sign_up_with(&other, "other@example.com").await;
        let html = other
            .get(app.url(&page))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("secret-typing"));
        let html = app.get_text(&page).await;
        assert!(html.contains(r#"value="secret-typing""#), "{html}");
    }
);

app_test!(
    logging_in_while_signed_in_follows_a_safe_next,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        for (next, expected) in [
            ("%2Faccount", "/account"),
            ("%2F%2Fevil.example", "/"),
            ("https%3A%2F%2Fevil.example", "/"),
        ] {
            let response = app
                .client
                .get(app.url(&format!("/login?next={next}")))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_redirection(),
                "{next}: {}",
                response.status()
            );
            assert_eq!(response.headers()["location"], expected, "{next}");
        }
    }
);

app_test!(
    a_sale_sent_again_with_other_details_says_it_was_recorded_and_links_to_it,
    |app: TestApp| async move {
        let store_id = app.signed_in_store().await;
        let store = store_id.to_string();
        let page = format!("/store/{store_id}/customers/new");
        let sale = |amount: &'static str| {
            [
                ("store_id", store.clone()),
                ("request_key", "752ece98-form-key".to_owned()),
                ("email", "lin@example.com".to_owned()),
                ("name", String::new()),
                ("product_id", "new".to_owned()),
                ("new_product_name", "Beat Review Call".to_owned()),
                ("new_product_kind", "coaching".to_owned()),
                ("amount", amount.to_owned()),
                ("date", String::new()),
            ]
        };
        let first = sale("45");
        let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = app
            .post_form(RecordManualPurchase::PATH, &page, &first)
            .await;
        assert_eq!(response.status(), 303);
        let customer = crate::fixtures::customer_by_email(&app.db, store_id, "lin@example.com")
            .await
            .expect("the customer");

        let second = sale("50");
        let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let html = rejected::<RecordManualPurchase>(&app, &page, &second).await;
        assert!(html.contains("This sale was already recorded."), "{html}");
        assert!(
            html.contains(&format!(
                r#"href="/store/{store_id}/customers/{}""#,
                customer.id
            )),
            "{html}"
        );
        assert!(
            !html.contains("752ece98"),
            "no internal key on the page: {html}"
        );
    }
);
