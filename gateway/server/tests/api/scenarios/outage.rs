//! A PostgreSQL outage, made by cutting the network between the gateway and a real
//! database (a TCP proxy the test controls): the first request to find the database gone
//! answers 503 within the pool's time-out, the next ones at once with `Retry-After`,
//! `/readyz` within a second; when the network is back, requests succeed again.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::{net::TcpListener, sync::watch};

use crate::common::{TestApp, held_senior};

/// Forwards 127.0.0.1:{port} to PostgreSQL while up. Cut, it drops every connection it
/// carries and stops listening, so new ones are refused, as when the server is stopped.
struct Proxy {
    port: u16,
    up: watch::Sender<bool>,
}

impl Proxy {
    async fn start() -> Self {
        let target = postgres_address();
        let mut listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, mut watching) = watch::channel(true);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = until(&mut watching, false) => {
                        drop(listener);
                        if !until(&mut watching, true).await {
                            return;
                        }
                        listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
                        continue;
                    }
                };
                let Ok((mut client, _)) = accepted else {
                    return;
                };
                let (mut cut, target) = (watching.clone(), target.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = until(&mut cut, false) => {}
                    }
                });
            }
        });
        Self { port, up }
    }

    fn set(&self, up: bool) {
        self.up.send_replace(up);
    }
}

/// Resolves when the proxy is (or becomes) `up`; false when the test has ended.
async fn until(watching: &mut watch::Receiver<bool>, up: bool) -> bool {
    loop {
        if *watching.borrow_and_update() == up {
            return true;
        }
        if watching.changed().await.is_err() {
            return false;
        }
    }
}

fn postgres_address() -> String {
    let url = crate::common::postgres_admin_url();
    let (_, rest) = url.rsplit_once('@').expect("a user in the URL");
    rest.split('/').next().unwrap().to_owned()
}

async fn timed(app: &TestApp, path: &str) -> (StatusCode, Duration, Option<String>) {
    let started = Instant::now();
    let response = app
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), started.elapsed(), retry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_answered_fast_and_recovered_from() {
    let proxy = Proxy::start().await;
    let app = TestApp::postgres_through(proxy.port).await;
    let id = held_senior(&app, 1).await;
    let path = format!("/v1/seniors/{id}");
    assert_eq!(timed(&app, &path).await.0, StatusCode::OK);

    proxy.set(false);
    let (status, took, _) = timed(&app, &path).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(7), "the first 503 took {took:?}");
    for _ in 0..5 {
        let (status, took, retry) = timed(&app, &path).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            took < Duration::from_millis(500),
            "a later 503 took {took:?}"
        );
        assert_eq!(retry.as_deref(), Some("1"));
    }
    let started = Instant::now();
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_millis(1500));

    proxy.set(true);
    let back = Instant::now();
    loop {
        let (status, _, _) = timed(&app, &path).await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "still {status} after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}
