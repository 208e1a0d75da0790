//! The gateway attacked as its own process, each attack bounded in time: thousands of
//! idle and slow (slowloris) connections under a 1,024-descriptor limit, slow request
//! heads, early refusals of large bodies, oversized heads and messages on both HTTP
//! versions and gRPC, and deeply nested JSON. The gateway keeps answering, and
//! `/healthz` within a second.

mod support;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use axum::body::Bytes;
use jiayang_proto::v1::{SeniorProfile, senior_service_client::SeniorServiceClient};
use reqwest::StatusCode;
use support::{
    process::{Served, add_participant, client_for, launch, serve_command_via, wait_ready},
    tls,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Short time-outs, so the test sees them act.
const SHORT_TIMEOUTS: &str =
    "[connections]\nfirst_request_timeout_seconds = 3\nheader_read_timeout_seconds = 3\n";
/// Time-outs longer than the test, so only the caps can make room.
const LONG_TIMEOUTS: &str =
    "[connections]\nfirst_request_timeout_seconds = 120\nheader_read_timeout_seconds = 120\n";

/// `jiayang serve` under a descriptor limit of 1,024, as the attack that found slowloris
/// ran it.
fn gateway(data: &Path, settings: &str) -> Served {
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(data.join("jiayang.toml"), settings).unwrap();
    launch(serve_command_via(&["prlimit", "--nofile=1024:1024"], data))
}

/// How long until the gateway closes `stream` (reading whatever it sends meanwhile).
async fn closed_after<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read_all)
        .await
        .expect("the gateway closes the connection");
    started.elapsed()
}

/// `/healthz` on a new connection, answered within a second.
async fn healthz_answers(data: &Path, port: u16, http2: bool) {
    let builder = reqwest::Client::builder().add_root_certificate(
        reqwest::Certificate::from_pem(&std::fs::read(data.join("tls/ca.pem")).unwrap()).unwrap(),
    );
    let client = if http2 {
        builder.http2_prior_knowledge()
    } else {
        builder.http1_only()
    }
    .timeout(Duration::from_secs(1))
    .build()
    .unwrap();
    let started = Instant::now();
    let answer = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("/healthz (HTTP/2: {http2}) failed: {e}"));
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(1));
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(name))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_beyond_the_descriptor_limit_leave_healthz_answering() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = gateway(&data, LONG_TIMEOUTS);
    let port = served.port;
    wait_ready(&client_for(&data), port).await;

    // 2,000 connections that never say anything, from ten addresses (each under its
    // own cap of 256, so only the cap on all connections can make room), and 200 from
    // the probes' address that send a request head without its end — together far more
    // than the 1,024 descriptors the gateway has.
    let mut held = Vec::new();
    for from in 2..12u8 {
        let batch: Vec<_> = (0..200)
            .map(|_| {
                tokio::spawn(async move {
                    let socket = tokio::net::TcpSocket::new_v4()?;
                    socket.bind((std::net::Ipv4Addr::new(127, 0, 0, from), 0).into())?;
                    socket.connect(([127, 0, 0, 1], port).into()).await
                })
            })
            .collect();
        for connecting in batch {
            held.push(connecting.await.unwrap().unwrap());
        }
    }
    let connector = tls::connector(&data, b"http/1.1");
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut stream = tls::connect(port, &connector).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n")
            .await
            .unwrap();
        slow.push(stream);
    }

    for probe in 0..20 {
        healthz_answers(&data, port, probe % 2 == 1).await;
    }
    let metrics = client_for(&data)
        .get(served.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metric(
            &metrics,
            "jiayang_connections_dismissed_total{reason=\"evicted\"}"
        ) > 1000.0,
        "connections beyond the cap took the place of silent ones"
    );
    assert!(metric(&metrics, "jiayang_connections_open") <= 768.0);
    let descriptors = std::fs::read_dir(format!("/proc/{}/fd", served.child.id()))
        .unwrap()
        .count();
    assert!(descriptors < 1024, "{descriptors} descriptors open");
    drop((held, slow));
    let (_, stderr) = served.stop();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_does_not_finish_its_request_head_is_let_go() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = gateway(&data, SHORT_TIMEOUTS);
    let port = served.port;
    wait_ready(&client_for(&data), port).await;
    let limit = Duration::from_secs(10);
    let early = Duration::from_secs(2);

    // Nothing at all, not even a TLS greeting.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // HTTP/1.1: a head without its end (slowloris).
    let mut slowloris = tls::connect(port, &tls::connector(&data, b"http/1.1")).await;
    slowloris
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    // HTTP/2: the preface, then nothing.
    let mut preface_only = tls::connect(port, &tls::connector(&data, b"h2")).await;
    preface_only
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    // HTTP/1.1 kept alive after one answered request, then idle.
    let mut kept_alive = tls::connect(port, &tls::connector(&data, b"http/1.1")).await;
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();

    let (silent, slowloris, preface_only, kept_alive) = tokio::join!(
        closed_after(&mut silent, limit),
        closed_after(&mut slowloris, limit),
        closed_after(&mut preface_only, limit),
        closed_after(&mut kept_alive, limit),
    );
    for (what, after) in [
        ("silent", silent),
        ("slowloris", slowloris),
        ("HTTP/2 preface only", preface_only),
        ("idle keep-alive", kept_alive),
    ] {
        assert!(after > early, "{what} closed too early: {after:?}");
    }
    healthz_answers(&data, port, false).await;
    served.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_oversized_requests_are_answered_with_a_status_on_every_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = gateway(&data, SHORT_TIMEOUTS);
    let port = served.port;
    let client = client_for(&data);
    wait_ready(&client, port).await;
    let portal = add_participant(
        &data,
        "bj-elder-portal",
        "ELDER_CARE_PORTAL",
        "北京养老服务网",
    );
    let operator = std::fs::read_to_string(data.join("operator.token"))
        .unwrap()
        .trim()
        .to_owned();
    let ca =
        reqwest::Certificate::from_pem(&std::fs::read(data.join("tls/ca.pem")).unwrap()).unwrap();
    let http1 = reqwest::Client::builder()
        .add_root_certificate(ca.clone())
        .http1_only()
        .build()
        .unwrap();
    let http2 = reqwest::Client::builder()
        .add_root_certificate(ca)
        .http2_prior_knowledge()
        .build()
        .unwrap();

    // Larger than what socket buffers absorb: an unread body must be read after the
    // answer, or closing resets the connection under the sender and loses the answer.
    let unread = vec![b' '; 8 << 20];
    let too_large = vec![b' '; 33 << 20];
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let big_header = "x".repeat(40_000);
    // Rounds, because a connection reset under a sender is a race it may win once.
    let versions = [("HTTP/1.1", &http1), ("HTTP/2", &http2)];
    for (version, client) in versions.into_iter().cycle().take(8) {
        let post = |token: Option<&str>, body: Vec<u8>| {
            let request = client
                .post(served.url("/v1/seniors"))
                .header("content-type", "application/json")
                .body(body);
            match token {
                Some(token) => request.bearer_auth(token),
                None => request,
            }
        };
        // Refused before the body is read: the status still arrives.
        let cases = [
            (post(None, unread.clone()), StatusCode::UNAUTHORIZED),
            (post(Some(&operator), unread.clone()), StatusCode::FORBIDDEN),
            (
                post(Some(&portal), too_large.clone()),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                post(Some(&portal), deep.clone().into_bytes()),
                StatusCode::BAD_REQUEST,
            ),
            (
                client
                    .get(served.url("/healthz"))
                    .header("x-big", &big_header),
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ),
        ];
        for (n, (request, expected)) in cases.into_iter().enumerate() {
            let answer = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{version} case {n}: no answer: {e}"));
            assert_eq!(answer.status(), expected, "{version} case {n}");
            if expected != StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE {
                assert_eq!(
                    answer.headers()["content-type"],
                    "application/problem+json",
                    "{version} case {n}"
                );
            }
        }
    }

    // HTTP/2, frame by frame: a refusal before the body is read is answered, then the
    // rest of the body declined with NO_ERROR (RFC 9113 §8.1), not cancelled.
    let stream = tls::connect(port, &tls::connector(&data, b"h2")).await;
    let (mut sender, connection) = h2::client::handshake(stream).await.unwrap();
    tokio::spawn(connection);
    let request = http::Request::post(served.url("/v1/seniors"))
        .header("content-type", "application/json")
        .body(())
        .unwrap();
    let (response, mut body) = sender.send_request(request, false).unwrap();
    body.send_data(Bytes::from(vec![b' '; 16 * 1024]), false)
        .unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let mut answer = response.into_body();
    while let Some(chunk) = answer.data().await {
        chunk.unwrap();
    }
    let reset = std::future::poll_fn(|cx| body.poll_reset(cx))
        .await
        .unwrap();
    assert_eq!(reset, h2::Reason::NO_ERROR);

    // gRPC: a message over the limit is refused with a status, not a broken stream.
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(
            std::fs::read(data.join("tls/ca.pem")).unwrap(),
        ))
        .domain_name("localhost");
    let channel = tonic::transport::Channel::from_shared(served.url(""))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut request = tonic::Request::new(SeniorProfile {
        name: "王".repeat(12 << 20),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {portal}").parse().unwrap());
    let refused = SeniorServiceClient::new(channel)
        .create_senior(request)
        .await
        .unwrap_err();
    // tonic's own refusal, before any handler: OUT_OF_RANGE, naming the limit.
    assert_eq!(refused.code(), tonic::Code::OutOfRange, "{refused:?}");
    assert!(refused.message().contains("33554432"), "{refused:?}");

    healthz_answers(&data, port, true).await;
    let (_, stderr) = served.stop();
    assert!(!stderr.contains("panicked"), "{stderr}");
}
