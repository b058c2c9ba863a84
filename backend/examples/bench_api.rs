//! Benchmark of the tree API on a plan of 5,000 nodes (depth 3, Vietnamese titles of about 80
//! characters and bodies of about 400), on an embedded on-disk database, over loopback.
//! Prints `tree_api_p50_ms` and `tree_api_p99_ms`; with `--serve STATIC_DIR` it then keeps
//! serving (printing `url:` and `plan:` lines) until its standard input closes, so the browser
//! benchmarks can render the same plan; for the assignment board it first loads 40 agencies and
//! assigns a fifth of the tasks, and adds a plan of 20,000 nodes (`plan_big:`). First, `backup_ms`, `restore_ms` and `backup_restore_ms`: the
//! seed data copied from a running server with `backend backup` and put back with
//! `backend restore` into a new folder (medians of 5).

use anyhow::Context;
use backend::config::{DbConfig, ServeConfig};
use backend::service::Service;
use shared::document::PlanMetadata;
use shared::ids::{NodeId, PlanId};
use shared::import::{ParsedNode, ParsedPlan};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

const NODES: usize = 5_000;
/// The plan the browser benchmarks scroll through (`scroll_20k_dropped_frames`).
const BIG_NODES: usize = 20_000;
const REQUESTS: usize = 200;

const WORDS: &[&str] = &[
    "phát", "triển", "giáo", "dục", "đào", "tạo", "nâng", "cao", "chất", "lượng", "đồng", "bào",
    "dân", "tộc", "thiểu", "số", "xã", "biên", "giới", "thôn", "bản", "đặc", "biệt", "khó", "khăn",
    "hạ", "tầng", "y", "tế", "văn", "hóa", "an", "sinh", "xã", "hội", "chương", "trình", "kế",
    "hoạch", "kiểm", "tra", "đôn", "đốc",
];

/// Deterministic text of about `chars` characters (a tiny LCG; no randomness crate needed).
fn text(seed: &mut u64, chars: usize) -> String {
    let mut s = String::new();
    while s.chars().count() < chars {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(WORDS[(*seed >> 33) as usize % WORDS.len()]);
    }
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// 20 sections × 15 items × ~16 points = 5,000 nodes, depth 3.
/// A generated plan of `total` nodes: 20 sections of 15 items, the rest points under them.
fn plan(total: usize) -> ParsedPlan {
    let mut seed = 42u64;
    let mut count = 0;
    let mut node = |label: String, kind, seed: &mut u64, children| {
        count += 1;
        ParsedNode {
            label,
            kind,
            title: text(seed, 80),
            body: Some(text(seed, 400)),
            deadline: None,
            recurring_deadline: None,
            references: vec![],
            assignments: vec![],
            line: 0,
            children,
        }
    };
    let (sections, items) = (20, 15);
    let points = (total - sections - sections * items) / (sections * items);
    let mut extra = total - sections - sections * items - points * sections * items;
    let mut nodes = Vec::new();
    for s in 0..sections {
        let mut its = Vec::new();
        for i in 0..items {
            let n = points + usize::from(extra > 0);
            extra = extra.saturating_sub(1);
            let pts = (0..n)
                .map(|p| {
                    node(
                        format!("{}", p + 1),
                        shared::document::NodeKind::Point,
                        &mut seed,
                        vec![],
                    )
                })
                .collect();
            its.push(node(
                format!("{}", i + 1),
                shared::document::NodeKind::Item,
                &mut seed,
                pts,
            ));
        }
        nodes.push(node(
            format!("S{}", s + 1),
            shared::document::NodeKind::Section,
            &mut seed,
            its,
        ));
    }
    assert_eq!(count, total);
    ParsedPlan {
        metadata: PlanMetadata {
            number: Some(format!("{}/KH-BENCH", total / 1000)),
            kind: Some(shared::document::DocumentKind::Plan),
            title: Some(format!("Kế hoạch thử tải {total} mục")),
            issued_on: chrono::NaiveDate::from_ymd_opt(2014, 6, 5),
            ..PlanMetadata::default()
        },
        preamble: None,
        references: vec![],
        nodes,
        suggested_assignments: vec![],
        unmatched_agencies: vec![],
        warnings: vec![],
    }
}

/// Imports the generated plan of `total` nodes as `id`, its node ids numbered from `first`.
async fn import_generated(
    service: &Service,
    id: PlanId,
    total: usize,
    first: u64,
) -> anyhow::Result<()> {
    let mut n = first;
    service
        .import_plan(id, plan(total), || {
            n += 1;
            NodeId::from_parts(n, [0; 10])
        })
        .await?;
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The seed data on a running server, copied and restored as an operator does.
async fn backup_restore() -> anyhow::Result<()> {
    const RUNS: usize = 5;
    let dir = tempfile::tempdir()?;
    let db = DbConfig {
        db_name: backend::store::DATABASE.to_owned(),
        data_dir: dir.path().join("dang-chay"),
        db: None,
        db_credentials: None,
        photos: None,
    };
    let config = ServeConfig {
        addr: "127.0.0.1:0".parse()?,
        database: db.clone(),
        static_dir: PathBuf::from("none"),
        no_seed: false,
        session_hours: 24,
        session_idle_hours: 24,
        https: false,
        trust_proxy: false,
    };
    let token = "bench-operator-token";
    let service = backend::open_with(&config, Some(token)).await?;
    let running = backend::start(&config, service, std::future::pending()).await?;
    let _announced = backend::backup::announce(&db.data_dir, running.addr, token)?;
    let (mut backup, mut restore, mut both) = (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    for run in 0..RUNS {
        let file = dir.path().join(format!("sao-luu-{run}.surql"));
        let t = Instant::now();
        bytes = backend::backup::backup(&db, &file).await?.bytes;
        let b = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let into = DbConfig {
            db_name: backend::store::DATABASE.to_owned(),
            data_dir: dir.path().join(format!("khoi-phuc-{run}")),
            ..db.clone()
        };
        let done = backend::backup::restore(&into, &file, false).await?;
        anyhow::ensure!(
            done.counts.is_some_and(|c| c.plans == 1),
            "the restored copy lacks the seed plan"
        );
        let r = t.elapsed().as_secs_f64() * 1000.0;
        backup.push(b);
        restore.push(r);
        both.push(b + r);
    }
    for v in [&mut backup, &mut restore, &mut both] {
        v.sort_by(f64::total_cmp);
    }
    println!("backup_kb: {:.0}", bytes as f64 / 1024.0);
    println!("backup_ms: {:.0}", percentile(&backup, 0.5));
    println!("restore_ms: {:.0}", percentile(&restore, 0.5));
    println!("backup_restore_ms: {:.0}", percentile(&both, 0.5));
    running.task.abort();
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    backup_restore().await?;
    let args: Vec<String> = std::env::args().collect();
    let static_dir = args
        .iter()
        .position(|a| a == "--serve")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let dir = tempfile::tempdir()?;
    let config = ServeConfig {
        addr: "127.0.0.1:0".parse()?,
        database: DbConfig {
            db_name: backend::store::DATABASE.to_owned(),
            data_dir: dir.path().to_path_buf(),
            db: None,
            db_credentials: None,
            photos: None,
        },
        static_dir: static_dir.clone().unwrap_or_else(|| PathBuf::from("none")),
        no_seed: true,
        session_hours: 24,
        session_idle_hours: 24,
        https: false,
        trust_proxy: false,
    };
    let service: std::sync::Arc<Service> = backend::open(&config).await?;
    let plan_id = PlanId::from_parts(1, [9; 10]);
    import_generated(&service, plan_id, NODES, 1_000_000).await?;
    let running = backend::start(&config, service.clone(), std::future::pending()).await?;
    let url = format!("http://{}/api/plans/{plan_id}", running.addr);
    // Signed in as the first administrator, made with the setup token as an operator would.
    let setup = service
        .setup_token()
        .await?
        .context("a new database needs setting up")?;
    let session = service
        .setup(shared::api::SetupRequest {
            token: setup,
            username: "bench".into(),
            name: "Đo hiệu năng".into(),
            password: "do-hieu-nang-lang-son".into(),
            want_token: true,
        })
        .await?;
    let token = session.token.context("no session token")?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()?;
    let mut bytes = 0;
    for _ in 0..10 {
        bytes = client.get(&url).send().await?.bytes().await?.len();
    }
    let mut times = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let t = Instant::now();
        let body = client.get(&url).send().await?.bytes().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(body.len(), bytes);
    }
    times.sort_by(f64::total_cmp);
    println!("tree_api_nodes: {NODES}");
    println!("tree_api_response_kb: {:.0}", bytes as f64 / 1024.0);
    println!("tree_api_p50_ms: {:.1}", percentile(&times, 0.5));
    println!("tree_api_p99_ms: {:.1}", percentile(&times, 0.99));

    // The first read after an edit: the tree is loaded from the database and encoded again.
    let first = NodeId::from_parts(1_000_001, [0; 10]);
    let mut misses = Vec::new();
    for i in 0..30 {
        let edit = shared::mutation::Mutation::EditNode {
            id: first,
            edit: shared::mutation::NodeEdit::Title(format!("Tiêu đề đã sửa lần {i}")),
        };
        let push = shared::sync::PushRequest {
            client: shared::ids::ClientId::from_parts(1, [9; 10]),
            mutations: vec![shared::sync::Pending {
                seq: i + 1,
                base: shared::sync::ChangeNo::ZERO,
                at: 0,
                mutation: edit,
            }],
        };
        service
            .push(plan_id, &push, &shared::access::Author::system())
            .await?;
        let t = Instant::now();
        client.get(&url).send().await?.bytes().await?;
        misses.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    misses.sort_by(f64::total_cmp);
    println!(
        "tree_api_after_edit_p50_ms: {:.1}",
        percentile(&misses, 0.5)
    );
    signin_limit(&format!("http://{}/api/session", running.addr)).await?;
    if static_dir.is_some() {
        board_data(&service, plan_id).await?;
        let report_token = report_data(&service, plan_id, &session.user).await?;
        // The big plan of the scrolling benchmark.
        let big = PlanId::from_parts(2, [9; 10]);
        import_generated(&service, big, BIG_NODES, 3_000_000).await?;
        println!("url: http://{}", running.addr);
        println!("plan_big: {big}");
        println!("report_token: {report_token}");
        println!("token: {token}");
        println!("plan: {plan_id}");
        std::io::stdout().flush()?;
        // Serve until the caller closes our standard input.
        let stdin = std::io::stdin();
        let _ = tokio::task::spawn_blocking(move || stdin.lock().lines().count()).await;
    }
    Ok(())
}

/// Wrong passwords in a row for one user name until the server answers 429: prints how many
/// were answered before (`signin_failures_before_429`) and how long the refusal took.
async fn signin_limit(url: &str) -> anyhow::Result<()> {
    let anonymous = reqwest::Client::new();
    let body = r#"{"username":"bench","password":"sai-mat-khau"}"#;
    for failures in 0..100 {
        let t = Instant::now();
        let r = anonymous
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            println!("signin_failures_before_429: {failures}");
            println!("signin_429_ms: {ms:.1}");
            return Ok(());
        }
    }
    anyhow::bail!("no 429 after 100 wrong passwords")
}

/// What the board benchmark needs: 40 agencies (the registry and four districts' people's
/// committees) and every fifth task assigned, round robin, as lead (and every tenth with a
/// coordinating agency too).
async fn board_data(service: &Service, plan: PlanId) -> anyhow::Result<()> {
    let mut data = backend::seed::reference_data()?;
    let districts = [
        "Tràng Định",
        "Bình Gia",
        "Văn Lãng",
        "Cao Lộc",
        "Văn Quan",
        "Bắc Sơn",
    ];
    let mut i = 0;
    while data.agencies.len() < 40 {
        let d = districts[i % districts.len()];
        data.agencies.push(shared::registry::Agency {
            code: format!("UBND-H{i}").into(),
            name: format!("UBND huyện {d}"),
            group: shared::registry::AgencyGroup::Local,
            role_note: None,
            successor: None,
            successor_note: None,
            valid_from: None,
            valid_to: None,
        });
        i += 1;
    }
    service.put_reference_data(&data).await?;
    let codes: Vec<shared::ids::AgencyCode> =
        data.agencies.iter().map(|a| a.code.clone()).collect();
    let tree = service.plan_tree(plan).await?;
    let mut mutations = Vec::new();
    for (k, n) in tree.nodes.iter().enumerate().filter(|(k, _)| k % 5 == 0) {
        mutations.push(shared::mutation::Mutation::Assign {
            id: n.id,
            agency: codes[(k / 5) % codes.len()].clone(),
            role: shared::assignment::Role::Lead,
            deadline: None,
        });
        if k % 10 == 0 {
            mutations.push(shared::mutation::Mutation::Assign {
                id: n.id,
                agency: codes[(k / 10 + 7) % codes.len()].clone(),
                role: shared::assignment::Role::Coordinating,
                deadline: None,
            });
        }
    }
    let client = shared::ids::ClientId::from_parts(2, [7; 10]);
    for (c, chunk) in mutations
        .chunks(shared::limits::PUSH_MAX_MUTATIONS)
        .enumerate()
    {
        let first = (c * shared::limits::PUSH_MAX_MUTATIONS) as u64 + 1;
        let push = shared::sync::PushRequest {
            client,
            mutations: chunk
                .iter()
                .enumerate()
                .map(|(j, m)| shared::sync::Pending {
                    seq: first + j as u64,
                    base: shared::sync::ChangeNo::ZERO,
                    at: 0,
                    mutation: m.clone(),
                })
                .collect(),
        };
        let r = service
            .push(plan, &push, &shared::access::Author::system())
            .await?;
        anyhow::ensure!(
            r.refused.is_empty(),
            "assignments refused: {:?}",
            r.refused.first()
        );
    }
    println!("board_agencies: {}", data.agencies.len());
    println!("board_assignments: {}", mutations.len());
    Ok(())
}

/// What the report editor's benchmark needs: a 6-month round, and the report of the first
/// agency of the registry with 30 entries written (results, progress, difficulties, funds) by
/// its officer, whose session token is returned.
async fn report_data(
    service: &Service,
    plan: PlanId,
    admin: &shared::api::User,
) -> anyhow::Result<String> {
    use shared::mutation::Mutation;
    use shared::report::{RecordEdit, RecordKey, ReportMutation, ReportPeriod, Round, Vnd};
    let agency = service.agencies().await?[0].code.clone();
    let round_id = shared::ids::RecordId::from_parts(1_700_000_000_000, [3; 10]);
    let year = 2015;
    let data = ReportPeriod::HalfYear
        .data_period(year)
        .context("the data period")?;
    let due = data.to.succ_opt().context("a due date")?;
    let round = Round {
        id: round_id,
        period: ReportPeriod::HalfYear,
        year,
        title: ReportPeriod::HalfYear.title_vi(year),
        data,
        due,
        summary_due: shared::report::default_summary_due(due).unwrap_or(due),
        required: vec![agency.clone()],
    };
    let tree = service.plan_tree(plan).await?;
    let held: Vec<NodeId> = tree
        .nodes
        .iter()
        .filter(|n| n.assignment(&agency).is_some())
        .map(|n| n.id)
        .take(30)
        .collect();
    anyhow::ensure!(held.len() == 30, "the agency holds {} tasks", held.len());
    let mut officer_edits = Vec::new();
    for (k, node) in held.iter().enumerate() {
        let key = RecordKey::Entry {
            round: round_id,
            agency: agency.clone(),
            node: *node,
        };
        let words = |from: usize, n: usize| -> String {
            (0..n)
                .map(|i| WORDS[(from * 7 + i * 13) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        };
        for edit in [
            RecordEdit::Results(format!(
                "Trong kỳ, đơn vị đã {}.\n{}.",
                words(k, 40),
                words(k + 3, 25)
            )),
            RecordEdit::Progress(Some((k * 3 % 100) as u8)),
            RecordEdit::Difficulties(format!("Khó khăn: {}.", words(k + 5, 15))),
            RecordEdit::FundsAllocated(Some(Vnd(1_000_000 * (k as u64 + 1)))),
        ] {
            officer_edits.push(Mutation::Report {
                op: ReportMutation::Edit {
                    key: key.clone(),
                    edit,
                },
            });
        }
    }
    let push = |client: u8, mutations: Vec<Mutation>| shared::sync::PushRequest {
        client: shared::ids::ClientId::from_parts(3, [client; 10]),
        mutations: mutations
            .into_iter()
            .enumerate()
            .map(|(i, mutation)| shared::sync::Pending {
                seq: i as u64 + 1,
                base: shared::sync::ChangeNo::ZERO,
                at: 0,
                mutation,
            })
            .collect(),
    };
    let opened = service
        .push(
            plan,
            &push(
                1,
                vec![Mutation::Report {
                    op: ReportMutation::CreateRound { round },
                }],
            ),
            &shared::access::Author::system(),
        )
        .await?;
    anyhow::ensure!(opened.refused.is_empty(), "{:?}", opened.refused.first());
    let password = "do-hieu-nang-bao-cao";
    service
        .create_user(
            admin,
            shared::api::NewUser {
                username: "bench.donvi".into(),
                name: "Cán bộ đơn vị".into(),
                password: password.into(),
                role: shared::access::UserRole::AgencyOfficer,
                agency: Some(agency.clone()),
            },
        )
        .await?;
    let officer = shared::access::Author {
        username: "bench.donvi".into(),
        name: "Cán bộ đơn vị".into(),
        actor: shared::access::Actor {
            role: shared::access::UserRole::AgencyOfficer,
            agency: Some(agency),
        },
    };
    let written = service
        .push(plan, &push(2, officer_edits), &officer)
        .await?;
    anyhow::ensure!(written.refused.is_empty(), "{:?}", written.refused.first());
    let session = service.login("bench.donvi", password, None).await?;
    session.token.context("the officer's session token")
}
