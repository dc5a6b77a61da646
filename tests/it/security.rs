//! Accounts, sessions and the server's defences, through a real socket.

use encore::api::auth::{ChangePassword, CurrentViewer, LogIn, LogOut, SignUp};
use encore::api::stores::{CreateStore, ListStores};
use encore::entities::{session, store};
use leptos::server_fn::ServerFn;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::app_test;
use crate::support::{PASSWORD, TestApp, spawn_app_with};

/// The session cookie value a response set, if any.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("encore_session="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
}

async fn log_in(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url(LogIn::PATH))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn stores_status(app: &TestApp, client: &reqwest::Client) -> u16 {
    client
        .post(app.url(ListStores::PATH))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

app_test!(
    anonymous_visitors_are_sent_to_log_in,
    |app: TestApp| async move {
        for path in ["/", "/store/1/customers", "/account"] {
            let response = app
                .client
                .get(app.url(path))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_redirection(),
                "{path}: {}",
                response.status()
            );
            let location = response.headers()["location"].to_str().unwrap();
            assert!(location.starts_with("/login"), "{path} → {location}");
        }
        let response = app
            .client
            .post(app.url(ListStores::PATH))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let error: encore::error::AppError = response.json().await.unwrap();
        assert_eq!(error, encore::error::AppError::Unauthorized);
        let login = app
            .client
            .get(app.url("/login"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
    }
);

app_test!(
    sign_up_checks_the_email_and_the_password,
    |app: TestApp| async move {
        for (email, password, field, message) in [
            (
                "not-an-email",
                PASSWORD,
                "email",
                "Enter a valid email address, like name@example.com.",
            ),
            (
                "ada@example.com",
                "short",
                "password",
                "Use at least 10 characters.",
            ),
            (
                "ada@example.com",
                "password123",
                "password",
                "That password is too easy to guess. This is a very common password. \
                 Try a short sentence.",
            ),
        ] {
            let response = app
                .client
                .post(app.url(SignUp::PATH))
                .form(&[("email", email), ("password", password)])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400);
            let error: encore::error::AppError = response.json().await.unwrap();
            assert_eq!(
                error.field_message(field),
                Some(message),
                "{email} / {password}"
            );
        }
    }
);

app_test!(
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let stranger = app.another_client();
        let wrong = log_in(&app, &stranger, "ada@example.com", "wrong password!").await;
        let unknown = log_in(&app, &stranger, "nobody@example.com", "wrong password!").await;
        assert_eq!(wrong.status(), unknown.status());
        assert!(session_cookie(&wrong).is_none() && session_cookie(&unknown).is_none());
        assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
    }
);

app_test!(
    logging_in_always_issues_a_new_session_id,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        // A browser arrives with a cookie someone else chose (session fixation).
        let victim = app.another_client();
        let planted = "0123456789abcdef0123456789abcdef";
        let url: reqwest::Url = app.address.parse().unwrap();
        let jar = reqwest::cookie::Jar::default();
        jar.add_cookie_str(&format!("encore_session={planted}; Path=/"), &url);
        let response = victim
            .post(app.url(LogIn::PATH))
            .header("cookie", format!("encore_session={planted}"))
            .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let issued = session_cookie(&response).expect("a session cookie");
        assert_ne!(issued, planted);
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .find_map(|v| v.to_str().ok().filter(|c| c.starts_with("encore_session=")))
            .unwrap()
            .to_owned();
        for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }

        // Logging in again replaces the session, and the old one stops working.
        let first = issued;
        let second =
            session_cookie(&log_in(&app, &victim, "ada@example.com", PASSWORD).await).unwrap();
        assert_ne!(first, second);
        let with_first = app
            .another_client()
            .post(app.url(ListStores::PATH))
            .header("cookie", format!("encore_session={first}"))
            .send()
            .await
            .unwrap();
        assert_eq!(with_first.status(), 401, "the replaced session is gone");
    }
);

app_test!(
    expired_and_idle_sessions_are_refused,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        assert_eq!(stores_status(&app, &app.client).await, 200);
        let row = session::Entity::find().one(&app.db).await.unwrap().unwrap();

        let mut idle: session::ActiveModel = row.clone().into();
        idle.last_seen_at = Set(row.last_seen_at - chrono::Duration::days(8));
        idle.update(&app.db).await.unwrap();
        assert_eq!(
            stores_status(&app, &app.client).await,
            401,
            "a week without use ends a session"
        );
        assert_eq!(
            session::Entity::find().count(&app.db).await.unwrap(),
            0,
            "and deletes it"
        );

        log_in(&app, &app.client, "ada@example.com", PASSWORD).await;
        let row = session::Entity::find().one(&app.db).await.unwrap().unwrap();
        let mut expired: session::ActiveModel = row.clone().into();
        expired.expires_at = Set(encore::domain::time::now() - chrono::Duration::seconds(1));
        expired.update(&app.db).await.unwrap();
        assert_eq!(
            stores_status(&app, &app.client).await,
            401,
            "thirty days after log-in it ends anyway"
        );
    }
);

app_test!(
    logging_out_and_changing_the_password_end_sessions,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let laptop = app.another_client();
        let phone = app.another_client();
        log_in(&app, &laptop, "ada@example.com", PASSWORD).await;
        log_in(&app, &phone, "ada@example.com", PASSWORD).await;
        assert_eq!(stores_status(&app, &laptop).await, 200);

        let response = laptop.post(app.url(LogOut::PATH)).send().await.unwrap();
        assert!(
            response
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|v| v.to_str().unwrap().contains("Max-Age=0"))
        );
        assert_eq!(stores_status(&app, &laptop).await, 401);
        assert_eq!(
            stores_status(&app, &phone).await,
            200,
            "other devices stay signed in"
        );

        let wrong = app
            .client
            .post(app.url(ChangePassword::PATH))
            .form(&[
                ("current", "not it at all"),
                ("password", "a brand new phrase"),
            ])
            .send()
            .await
            .unwrap();
        let error: encore::error::AppError = wrong.json().await.unwrap();
        assert_eq!(
            error.field_message("current"),
            Some("That is not your current password.")
        );

        let changed = app
            .client
            .post(app.url(ChangePassword::PATH))
            .form(&[("current", PASSWORD), ("password", "a brand new phrase")])
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 200);
        assert!(
            session_cookie(&changed).is_some(),
            "this browser gets a fresh session"
        );
        assert_eq!(stores_status(&app, &app.client).await, 200);
        assert_eq!(
            stores_status(&app, &phone).await,
            401,
            "other sessions end with a password change"
        );
        assert_eq!(
            log_in(&app, &phone, "ada@example.com", PASSWORD)
                .await
                .status(),
            400,
            "the old password is gone"
        );
        assert_eq!(
            log_in(&app, &phone, "ada@example.com", "a brand new phrase")
                .await
                .status(),
            200
        );
    }
);

app_test!(
    a_cross_site_post_with_a_valid_session_is_refused,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let before = store::Entity::find().count(&app.db).await.unwrap();
        for (fetch_site, origin) in [
            ("cross-site", "https://evil.example"),
            ("same-site", "https://sub.evil.example"),
        ] {
            let response = app
                .client
                .post(app.url(CreateStore::PATH))
                .header("sec-fetch-site", fetch_site)
                .header("origin", origin)
                .form(&[("name", "Forged"), ("currency", "USD")])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{fetch_site}");
        }
        let legacy = app
            .client
            .post(app.url(CreateStore::PATH))
            .header("origin", "https://evil.example")
            .form(&[("name", "Forged"), ("currency", "USD")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            legacy.status(),
            403,
            "an Origin from elsewhere without Sec-Fetch-Site"
        );
        assert_eq!(
            store::Entity::find().count(&app.db).await.unwrap(),
            before,
            "nothing was created"
        );

        let same_origin = app
            .client
            .post(app.url(CreateStore::PATH))
            .header("sec-fetch-site", "same-origin")
            .header("origin", app.address.clone())
            .form(&[("name", "Mine"), ("currency", "USD")])
            .send()
            .await
            .unwrap();
        assert_eq!(same_origin.status(), 200);
    }
);

app_test!(
    pages_and_api_answers_carry_security_headers,
    |app: TestApp| async move {
        let page = app
            .client
            .get(app.url("/login"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"),
            "{csp}"
        );
        assert_eq!(page.headers()["x-content-type-options"], "nosniff");
        assert_eq!(page.headers()["referrer-policy"], "same-origin");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap()
            .to_owned();
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "the hydration script carries the policy's nonce"
        );
        assert!(!html.contains("<script>"), "no script without a nonce");

        let api = app
            .client
            .post(app.url(ListStores::PATH))
            .send()
            .await
            .unwrap();
        assert!(
            api.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        let probe = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(probe.headers()["x-frame-options"], "DENY");
    }
);

app_test!(oversized_bodies_are_refused, |app: TestApp| async move {
    app.sign_up("ada@example.com").await;
    let huge = "x".repeat(300 * 1024);
    let response = app
        .client
        .post(app.url(CreateStore::PATH))
        .form(&[("name", huge.as_str()), ("currency", "USD")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(store::Entity::find().count(&app.db).await.unwrap(), 0);
});

crate::db_test!(
    rapid_failed_log_ins_are_rate_limited,
    |db: sea_orm::DatabaseConnection| async move {
        // Production limits: two attempts, then one every 15 seconds.
        let app = spawn_app_with(db, encore::server::settings::Settings::default()).await;
        let mut limited = 0;
        for _ in 0..10 {
            let response = log_in(&app, &app.client, "ada@example.com", "guessing again!").await;
            if response.status() == 429 {
                limited += 1;
                assert!(response.headers().contains_key("retry-after"));
            }
        }
        assert!(
            limited >= 8,
            "only {limited} of 10 rapid attempts were limited"
        );
        let page = app
            .client
            .post(app.url(LogIn::PATH))
            .header("accept", "text/html")
            .form(&[("email", "a@b.co"), ("password", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 429);
        assert!(
            page.text().await.unwrap().contains("Too many attempts"),
            "a page for people, too"
        );
    }
);

app_test!(
    a_log_in_never_sends_the_browser_to_another_site,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        for (next, expected) in [
            (
                "/store/3/customers?period=7d",
                "/store/3/customers?period=7d",
            ),
            ("/\t/evil.example", "/"),
            ("//evil.example", "/"),
            ("/%2F/evil.example", "/"),
            ("/\\evil.example", "/"),
            ("https://evil.example", "/"),
            // A CR or LF must not reach the Location header (the redirect helper panicked
            // and the connection dropped).
            ("/\r\n/evil.example", "/"),
            ("/account\r\nSet-Cookie: planted=1", "/"),
        ] {
            let response = app
                .client
                .post(app.url(LogIn::PATH))
                .header("accept", "text/html")
                .header("referer", app.url("/login"))
                .form(&[
                    ("email", "ada@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap_or_else(|error| panic!("{next:?}: no answer: {error}"));
            assert_eq!(response.status(), 302, "{next:?}");
            assert_eq!(response.headers()["location"], expected, "{next:?}");
            assert!(
                session_cookie(&response).is_some(),
                "{next:?}: logged in all the same"
            );
        }
    }
);

/// Posts a sign-up as a fresh browser would, returning the response.
async fn sign_up_as(
    app: &TestApp,
    email: &str,
    password: &str,
    accept: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .another_client()
        .post(app.url(SignUp::PATH))
        .header("referer", app.url("/signup"));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// What a sign-up answer shows to whoever sent it: status, headers that matter, body.
async fn observable(response: reqwest::Response) -> (u16, Vec<(String, String)>, String) {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "date" | "content-security-policy" | "content-length"
            )
        })
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or_default();
            // The flash cookie's id is random in every answer; its presence is what shows.
            let value = match value.strip_prefix("encore_flash=") {
                Some(rest) => format!(
                    "encore_flash=…{}",
                    &rest[rest.find(';').unwrap_or(rest.len())..]
                ),
                None => value.to_owned(),
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    (status, headers, response.text().await.unwrap())
}

app_test!(
    signing_up_with_a_taken_email_answers_exactly_like_a_new_one,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let intruder = "an intruder's own phrase";
        for accept in [None, Some("text/html,application/xhtml+xml")] {
            let started = std::time::Instant::now();
            let taken = sign_up_as(&app, "ADA@example.com", intruder, accept).await;
            let taken_took = started.elapsed();
            let fresh = format!("new{}@example.com", rand::random::<u32>());
            let started = std::time::Instant::now();
            let new = sign_up_as(&app, &fresh, intruder, accept).await;
            let new_took = started.elapsed();
            let (taken, new) = (observable(taken).await, observable(new).await);
            assert_eq!(taken, new, "accept {accept:?}");
            assert!(
                !taken
                    .1
                    .iter()
                    .any(|(name, value)| name == "set-cookie" && value.contains("encore_session")),
                "neither answer signs anyone in: {taken:?}"
            );
            // Both hash the password (Argon2), so neither is quick.
            assert!(
                taken_took * 3 >= new_took,
                "taken {taken_took:?}, new {new_took:?}"
            );
            // The new account exists and works; the taken one kept its password.
            assert_eq!(
                log_in(&app, &app.another_client(), &fresh, intruder)
                    .await
                    .status(),
                200
            );
        }
        assert_eq!(
            log_in(&app, &app.another_client(), "ada@example.com", intruder)
                .await
                .status(),
            400,
            "the intruder's password opens nothing"
        );
        assert_eq!(
            log_in(&app, &app.another_client(), "ada@example.com", PASSWORD)
                .await
                .status(),
            200
        );
        // The log-in page the sign-up leads to says what to do, without saying which (the
        // notice is the browser's flash: a link saying `signed_up` shows nothing).
        let browser = app.another_client();
        let response = browser
            .post(app.url(SignUp::PATH))
            .header("accept", "text/html")
            .header("referer", app.url("/signup"))
            .form(&[("email", "ada@example.com"), ("password", intruder)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["location"], "/login");
        let html = browser
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("log in with its password"), "{html}");
    }
);

/// The `__Host-` session cookie's value in a response, if any.
fn host_session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|cookie| cookie.starts_with("__Host-encore_session="))
        .map(str::to_owned)
}

async fn viewer_email(app: &TestApp, cookie: &str) -> Option<String> {
    let response = app
        .another_client()
        .post(app.url(CurrentViewer::PATH))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let viewer: Option<encore::dto::ViewerSummary> = response.json().await.unwrap();
    viewer.map(|viewer| viewer.email)
}

crate::db_test!(
    over_https_the_session_cookie_is_host_only_and_hsts_is_sent,
    |db: sea_orm::DatabaseConnection| async move {
        let settings = encore::server::settings::Settings {
            secure_cookies: true,
            ..crate::support::test_settings()
        };
        let app = spawn_app_with(db, settings).await;
        let probe = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(
            probe.headers()["strict-transport-security"],
            "max-age=31536000"
        );
        let mut tokens = Vec::new();
        for email in ["ada@example.com", "mallory@example.com"] {
            sign_up_as(&app, email, PASSWORD, None).await;
            let response = log_in(&app, &app.another_client(), email, PASSWORD).await;
            let cookie = host_session_cookie(&response).expect("a __Host- session cookie");
            for part in ["; Secure", "; Path=/", "; HttpOnly", "; SameSite=Lax"] {
                assert!(cookie.contains(part), "{cookie}");
            }
            assert!(!cookie.contains("Domain"), "{cookie}");
            assert!(session_cookie(&response).is_none(), "{cookie}");
            let value = cookie
                .trim_start_matches("__Host-encore_session=")
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            tokens.push(value);
        }
        let (ada, mallory) = (&tokens[0], &tokens[1]);
        assert_eq!(
            viewer_email(&app, &format!("__Host-encore_session={ada}")).await,
            Some("ada@example.com".to_owned())
        );
        // A cookie without the prefix (which a sibling subdomain or plain HTTP can set) is
        // never read, first or not.
        assert_eq!(
            viewer_email(
                &app,
                &format!("encore_session={mallory}; __Host-encore_session={ada}")
            )
            .await,
            Some("ada@example.com".to_owned())
        );
        assert_eq!(
            viewer_email(&app, &format!("encore_session={mallory}")).await,
            None
        );
    }
);

app_test!(
    two_different_session_cookies_sign_nobody_in,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        let ada =
            session_cookie(&log_in(&app, &app.another_client(), "ada@example.com", PASSWORD).await)
                .unwrap();
        let mallory_client = app.another_client();
        app.sign_up_with(&mallory_client, "mallory@example.com")
            .await;
        let mallory = session_cookie(
            &log_in(&app, &app.another_client(), "mallory@example.com", PASSWORD).await,
        )
        .unwrap();
        assert_eq!(
            viewer_email(&app, &format!("encore_session={ada}")).await,
            Some("ada@example.com".to_owned())
        );
        // A cookie planted for a longer path is sent first; neither order lets it win.
        for cookies in [
            format!("encore_session={mallory}; encore_session={ada}"),
            format!("encore_session={ada}; encore_session={mallory}"),
        ] {
            assert_eq!(viewer_email(&app, &cookies).await, None, "{cookies}");
        }
        // The same cookie twice is still one session.
        assert_eq!(
            viewer_email(&app, &format!("encore_session={ada}; encore_session={ada}")).await,
            Some("ada@example.com".to_owned())
        );
        // No HSTS over plain HTTP.
        let probe = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert!(!probe.headers().contains_key("strict-transport-security"));
    }
);

crate::db_test!(
    password_changes_are_rate_limited,
    |db: sea_orm::DatabaseConnection| async move {
        // Four attempts a minute: the sign-up and log-in take two.
        let settings = encore::server::settings::Settings {
            auth_rate_limit: encore::server::settings::AuthRateLimit {
                burst: 4,
                period: std::time::Duration::from_secs(60),
            },
            ..crate::support::test_settings()
        };
        let app = spawn_app_with(db, settings).await;
        app.sign_up("ada@example.com").await;
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let response = app
                .client
                .post(app.url(ChangePassword::PATH))
                .form(&[
                    ("current", "not it at all"),
                    ("password", "a brand new phrase"),
                ])
                .send()
                .await
                .unwrap();
            statuses.push(response.status().as_u16());
            if response.status() == 429 {
                assert!(response.headers().contains_key("retry-after"));
            }
        }
        assert_eq!(statuses, [400, 400, 429, 429]);
    }
);

app_test!(
    failed_log_ins_for_one_email_are_limited_from_any_address,
    |app: TestApp| async move {
        app.sign_up("ada@example.com").await;
        app.sign_up_with(&app.another_client(), "ben@example.com")
            .await;
        for email in ["ada@example.com", "nobody@example.com"] {
            for attempt in 0..5 {
                let response = log_in(&app, &app.another_client(), email, "guessing again!").await;
                let error: encore::error::AppError = response.json().await.unwrap();
                assert_eq!(
                    error.field_message("password"),
                    Some("That email and password don't match an account."),
                    "{email} attempt {attempt}"
                );
            }
            // Even the right password waits now: the guesser cannot tell it was right.
            let password = if email == "ada@example.com" {
                PASSWORD
            } else {
                "guessing again!"
            };
            let response = log_in(&app, &app.another_client(), email, password).await;
            assert!(session_cookie(&response).is_none());
            let error: encore::error::AppError = response.json().await.unwrap();
            assert_eq!(
                error.field_message("password"),
                Some("Too many failed log-ins for this email. Wait a minute, then try again."),
                "{email}: an unknown email is limited the same way"
            );
        }
        // Other accounts are not affected.
        let ben = log_in(&app, &app.another_client(), "ben@example.com", PASSWORD).await;
        assert_eq!(ben.status(), 200);
    }
);

/// Log-in attempts from one socket, each claiming to come from `forwarded_for`. Returns the
/// statuses.
async fn log_ins_forwarded_for(app: &TestApp, forwarded_for: &[&str]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for (i, hop) in forwarded_for.iter().enumerate() {
        let response = app
            .client
            .post(app.url(LogIn::PATH))
            .header("x-forwarded-for", *hop)
            .form(&[
                ("email", format!("guess{i}@example.com").as_str()),
                ("password", "guessing again!"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

/// One attempt a minute per client, behind the given proxies.
fn one_attempt_behind(proxies: &str) -> encore::server::settings::Settings {
    encore::server::settings::Settings {
        auth_rate_limit: encore::server::settings::AuthRateLimit {
            burst: 1,
            period: std::time::Duration::from_secs(60),
        },
        trusted_proxies: encore::server::proxy::TrustedProxies::parse(proxies).unwrap(),
        ..crate::support::test_settings()
    }
}

crate::db_test!(
    a_forwarded_address_from_an_untrusted_peer_is_ignored,
    |db: sea_orm::DatabaseConnection| async move {
        // The test's socket (127.0.0.1) is not a trusted proxy: a client that invents a new
        // X-Forwarded-For for every attempt is still one client.
        let app = spawn_app_with(db, one_attempt_behind("10.0.0.0/8")).await;
        let statuses =
            log_ins_forwarded_for(&app, &["198.51.100.1", "198.51.100.2", "198.51.100.3"]).await;
        assert_eq!(statuses, [400, 429, 429]);
    }
);

crate::db_test!(
    behind_a_trusted_proxy_the_limit_applies_per_real_client,
    |db: sea_orm::DatabaseConnection| async move {
        let app = spawn_app_with(db, one_attempt_behind("127.0.0.1")).await;
        // Two clients behind the proxy: each gets its own attempt, and its second is
        // refused. What a client writes left of the proxy's own entry changes nothing.
        let statuses = log_ins_forwarded_for(
            &app,
            &[
                "198.51.100.1",
                "203.0.113.9",
                "6.6.6.6, 198.51.100.1",
                "203.0.113.9",
            ],
        )
        .await;
        assert_eq!(statuses, [400, 400, 429, 429]);
        // IPv6 clients are still grouped by /64.
        let statuses =
            log_ins_forwarded_for(&app, &["2001:db8:1:2::1", "2001:db8:1:2::ffff"]).await;
        assert_eq!(statuses, [400, 429]);
    }
);
