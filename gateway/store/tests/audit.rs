//! The audit chain stays one linear chain when several writers append at once: two
//! group appenders (two nodes on one database) each remembering the head it wrote last,
//! and changes appending inside their own transactions, which move the head under both.
//! And an appender alone writes after the head it remembers, without reading it.

mod support;

use jiayang_store::{
    Store,
    audit::{self, Appender, Decision, Entry, Verified},
};
use support::scratch::on_scratch_postgres;
use tokio::task::JoinSet;

fn read(node: usize, n: usize) -> Entry {
    Entry {
        participant: format!("node-{node}"),
        action: "GET /v1/seniors/{id}".into(),
        resource: Some(format!("sen_{n}")),
        senior: Some(format!("sen_{n}")),
        purpose: Some("SERVICE_DELIVERY".into()),
        decision: Decision::Allow,
        reason: None,
        categories: Some("BASIC".into()),
        request_id: Some(format!("req-{node}-{n}")),
    }
}

/// `nodes` stores on one database, each with its appender recording entries for
/// clients that each wait for one before sending the next (so groups are small and the
/// nodes' groups interleave), while changes append on the first.
async fn appenders_and_changes_share_one_chain(nodes: Vec<Store>) {
    const CLIENTS: usize = 8;
    const EACH: usize = 40;
    const READS: usize = CLIENTS * EACH;
    const CHANGES: usize = 40;
    let mut requests = JoinSet::new();
    let mut appenders = Vec::new();
    for (node, store) in nodes.iter().enumerate() {
        let appender = Appender::start(store.clone());
        appenders.push(appender.clone());
        for client in 0..CLIENTS {
            let appender = appender.clone();
            requests.spawn(async move {
                for n in 0..EACH {
                    appender.record(vec![read(node, client * EACH + n)]).await?;
                }
                Ok::<_, sea_orm::DbErr>(())
            });
        }
    }
    let store = nodes[0].clone();
    let changes = tokio::spawn(async move {
        for n in 0..CHANGES {
            change(&store, n).await;
            tokio::task::yield_now().await;
        }
    });
    while let Some(recorded) = requests.join_next().await {
        recorded.unwrap().expect("every entry is committed");
    }
    changes.await.unwrap();
    let entries = (nodes.len() * READS + CHANGES) as i64;
    assert_eq!(
        audit::verify(&nodes[0].db).await.unwrap(),
        Verified::Intact { entries }
    );
    // A node's next group, after the other node and a change moved the head, still
    // lands on the chain's end.
    change(&nodes[0], CHANGES).await;
    appenders[1].record(vec![read(1, READS)]).await.unwrap();
    assert_eq!(
        audit::verify(&nodes[0].db).await.unwrap(),
        Verified::Intact {
            entries: entries + 2
        }
    );
}

/// A change appended in a transaction of its own.
async fn change(store: &Store, n: usize) {
    let write = store.write().await.unwrap();
    let entry = Entry::change(
        "bj-elder-portal",
        "senior.updated",
        &format!("sen_{n}"),
        None,
    );
    audit::append(&write.txn, vec![entry]).await.unwrap();
    write.commit().await.unwrap();
}

/// Only an appender's first group, and the first after a change, read the head.
async fn a_lone_appender_remembers_the_head(store: Store) {
    let appender = Appender::start(store.clone());
    for n in 0..20 {
        appender.record(vec![read(0, n)]).await.unwrap();
    }
    assert_eq!(appender.unknown_heads(), 1);
    change(&store, 0).await;
    appender.record(vec![read(0, 20)]).await.unwrap();
    appender.record(vec![read(0, 21)]).await.unwrap();
    assert_eq!(appender.unknown_heads(), 2);
    assert_eq!(
        audit::verify(&store.db).await.unwrap(),
        Verified::Intact { entries: 23 }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("audit.db").display()
    );
    let first = Store::open(&url).await.expect("open SQLite");
    let second = Store::open(&url).await.expect("open SQLite again");
    appenders_and_changes_share_one_chain(vec![first, second]).await;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("alone.db").display()
    );
    a_lone_appender_remembers_the_head(Store::open(&url).await.expect("open SQLite")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    on_scratch_postgres("jiayang_audit", |url| async move {
        let first = Store::open(&url).await.expect("open test database");
        let second = Store::open(&url).await.expect("open it again");
        appenders_and_changes_share_one_chain(vec![first.clone(), second.clone()]).await;
        first.db.close().await.unwrap();
        second.db.close().await.unwrap();
    })
    .await;
    on_scratch_postgres("jiayang_audit_alone", |url| async move {
        let store = Store::open(&url).await.expect("open test database");
        a_lone_appender_remembers_the_head(store.clone()).await;
        store.db.close().await.unwrap();
    })
    .await;
}
