//! Bulk actions driven by keys with fixture data: marking, mark all across
//! pages, marks kept while paging, a mark dropped with a notice when its
//! hold leaves the queue, and a bulk release whose items are each their own
//! command: keys made when the form opens, kept on no answer, rotated on a
//! definite answer, never more than the bound in flight, resubmit sending
//! only what has no answer. Then the same for a bulk outbox retry.

mod fixtures;

use crossterm::event::{KeyCode, KeyEvent};
use fixtures::payouts as fx;
use fixtures::press;
use ledgerdeck_client::events::{HoldChange, LiveEvent};
use ledgerdeck_client::{CommandResult, CommandStatus, HoldQuery, HoldView, Page};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::bulk::{Outcome, Stage};
use ledgerdeck_tui::data::{DataMsg, Request};
use std::collections::BTreeSet;

fn screen(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 120, 36))
}

fn queue_app(concurrency: usize) -> App {
    let mut app = fixtures::app("terminal", false, false).with_bulk_concurrency(concurrency);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    app
}

fn notice(app: &App) -> String {
    app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default()
}

fn commands(requests: &[Request]) -> Vec<(u64, String, serde_json::Value, String)> {
    requests
        .iter()
        .filter_map(|r| match r {
            Request::Command { id, command, body, key } => Some((*id, command.clone(), body.clone(), key.clone())),
            _ => None,
        })
        .collect()
}

fn released(request_id: u64, replayed: bool) -> DataMsg {
    let result = CommandResult {
        status: CommandStatus::Posted,
        command: "release_hold".into(),
        reference: None,
        subject_id: None,
        transaction_ids: vec![format!("txn_rel_{request_id}")],
        balances: vec![],
        replayed,
    };
    DataMsg::CommandDone { request_id, result }
}

fn refused(request_id: u64, code: &str) -> DataMsg {
    DataMsg::CommandFailed {
        request_id,
        code: Some(code.into()),
        detail: "the hold has already ended".into(),
        unknown: false,
        fields: vec![],
    }
}

fn lost(request_id: u64) -> DataMsg {
    DataMsg::CommandFailed { request_id, code: None, detail: "connection reset".into(), unknown: true, fields: vec![] }
}

/// Space marks the selected row and unmarks it again; the title counts the
/// marks and the mark column shows them; `u` clears them.
#[test]
fn space_marks_and_unmarks_the_selected_row() {
    let mut app = queue_app(4);
    press(&mut app, " ");
    assert!(app.views.payouts.is_marked("hold_01947c00"));
    press(&mut app, "j ");
    assert_eq!(app.views.payouts.marked(), 2);
    let s = screen(&mut app);
    assert!(s.contains("2 marked (s/r act on them)"), "{s}");
    let marked_rows = s.lines().filter(|l| l.contains("payout-77") && l.contains('●')).count();
    assert_eq!(marked_rows, 2, "{s}");
    press(&mut app, " ");
    assert_eq!(app.views.payouts.marked(), 1, "Space again unmarks");
    press(&mut app, "u");
    assert_eq!(app.views.payouts.marked(), 0);
    assert!(!screen(&mut app).contains("marked"));
}

fn page_of(start: usize, n: usize, next: Option<&str>) -> Page<HoldView> {
    Page {
        items: (start..start + n)
            .map(|i| {
                let mut h = fx::hold(0, "10.00", "sandbox", 60);
                h.id = format!("h{i:05}");
                h.reference = format!("po-{i:05}");
                h
            })
            .collect(),
        next_cursor: next.map(Into::into),
    }
}

/// `a` marks every hold of the filtered list: the loaded rows at once, then
/// every page fetched through `LoadHolds` (500 at a time) to the end.
#[test]
fn mark_all_walks_every_page_of_the_filter() {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: page_of(0, 200, Some("p1")) });
    let asked = press(&mut app, "a");
    let sweep = HoldQuery { limit: Some(500), ..fx::queue_query() };
    assert_eq!(asked, vec![Request::LoadHolds(sweep.clone())]);
    assert_eq!(app.views.payouts.marked(), 200, "the loaded rows at once");
    let next = app.on_data(DataMsg::Holds { query: sweep.clone(), page: page_of(0, 500, Some("s1")) });
    let second = HoldQuery { cursor: Some("s1".into()), ..sweep.clone() };
    assert_eq!(next, vec![Request::LoadHolds(second.clone())]);
    let done = app.on_data(DataMsg::Holds { query: second, page: page_of(500, 120, None) });
    assert!(done.is_empty(), "{done:?}");
    assert_eq!(app.views.payouts.marked(), 620);
    assert!(notice(&app).contains("620 holds marked"), "{}", notice(&app));
}

/// Mark all stops at the cap and says so.
#[test]
fn mark_all_stops_at_its_cap() {
    use ledgerdeck_tui::views::payouts::MARK_ALL_CAP;
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: page_of(0, 10, None) });
    press(&mut app, "a");
    let mut query = HoldQuery { limit: Some(500), ..fx::queue_query() };
    for k in 0..3 {
        let follow = app.on_data(DataMsg::Holds { query: query.clone(), page: page_of(k * 500, 500, Some("more")) });
        if follow.is_empty() {
            break;
        }
        query = HoldQuery { cursor: Some("more".into()), ..query };
        query.cursor = Some("more".into());
    }
    assert_eq!(app.views.payouts.marked(), MARK_ALL_CAP);
    assert!(notice(&app).contains("cap"), "{}", notice(&app));
}

/// Marks are kept by id: paging far enough to drop the marked rows' page
/// from memory keeps them marked, and a bulk on them still has them all.
#[test]
fn marks_are_kept_while_paging() {
    use ledgerdeck_tui::views::payouts::{MAX_PAGES, PAGE};
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "3");
    let query = |k: usize| HoldQuery { cursor: (k > 0).then(|| format!("c{k}")), ..fx::queue_query() };
    let page = |k: usize| page_of(k * PAGE as usize, PAGE as usize, Some(&format!("c{}", k + 1)));
    let mut follow = app.on_data(DataMsg::Holds { query: query(0), page: page(0) });
    press(&mut app, " j ");
    for k in 1..=MAX_PAGES + 2 {
        while follow.is_empty() {
            follow = press(&mut app, "j");
        }
        follow = app.on_data(DataMsg::Holds { query: query(k), page: page(k) });
    }
    assert!(app.views.payouts.rows().all(|h| h.id != "h00000"), "the first page was dropped");
    assert_eq!(app.views.payouts.marked(), 2);
    assert!(app.views.payouts.is_marked("h00000") && app.views.payouts.is_marked("h00001"));
    press(&mut app, "r");
    let bulk = app.views.payouts.bulk.as_ref().expect("the bulk form");
    let targets: Vec<&str> = bulk.batch.items.iter().map(|i| i.target.as_str()).collect();
    assert_eq!(targets, ["h00000", "h00001"]);
}

/// A live `hold.changed` out of the queue drops the mark with a notice.
#[test]
fn a_marked_hold_that_leaves_the_queue_loses_its_mark_with_a_notice() {
    let mut app = queue_app(4);
    press(&mut app, " j j ");
    assert_eq!(app.views.payouts.marked(), 3);
    let change = |id: &str, status: &str| {
        DataMsg::Live(LiveEvent::HoldChanged(HoldChange {
            hold_id: id.into(),
            status: status.into(),
            command: "settle_hold".into(),
        }))
    };
    app.on_data(change("hold_01947c00", "settled"));
    app.on_data(change("hold_01947c02", "released"));
    assert_eq!(app.views.payouts.marked(), 1);
    assert!(app.views.payouts.is_marked("hold_01947c01"));
    assert_eq!(notice(&app), "2 marked holds left the queue: payout-7700 (settled), payout-7702 (released)",);
}

/// A refresh that no longer lists a marked hold asks for its detail; the
/// detail shows it left, so the mark goes with a notice.
#[test]
fn a_refresh_without_a_marked_hold_confirms_and_drops_its_mark() {
    let mut app = queue_app(4);
    press(&mut app, "j ");
    let mut page = fx::queue();
    page.items.remove(1);
    let follow = app.on_data(DataMsg::Holds { query: fx::queue_query(), page });
    assert_eq!(follow, vec![Request::LoadHold("hold_01947c01".into())]);
    assert!(app.views.payouts.is_marked("hold_01947c01"), "not before its detail says so");
    let mut detail = fx::detail(1);
    detail.hold.status = "released".into();
    app.on_data(DataMsg::Hold(detail));
    assert_eq!(app.views.payouts.marked(), 0);
    assert_eq!(notice(&app), "1 marked hold left the queue: payout-7701 (released)");
}

/// The whole bulk release with a bound of 2: one reason, a confirmation
/// with the count and the total (typed, as the total is large); each item its own `release_hold` with its
/// own key made when the form opened; never more than 2 in flight; a lost
/// answer keeps its key, definite answers rotate theirs; resubmit sends
/// only the item with no answer, under its same key.
#[test]
fn a_bulk_release_sends_one_keyed_command_per_item_within_the_bound() {
    let mut app = queue_app(2);
    press(&mut app, " j j j ");
    assert!(press(&mut app, "r").is_empty(), "the form sends nothing");
    let bulk = app.views.payouts.bulk.as_ref().unwrap();
    assert_eq!(bulk.stage, Stage::Edit);
    let keys: Vec<String> = bulk.batch.items.iter().map(|i| i.key.clone()).collect();
    assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), 4, "a key per item, made when the form opened");
    assert!(press(&mut app, "\n").is_empty());
    assert!(screen(&mut app).contains("a reason is required"));
    press(&mut app, "provider portal: failed\tFW-REF-1\n");
    let s = screen(&mut app);
    assert!(s.contains("Release 4 holds, total 26,690.50 USD (4)"), "{s}");
    // One hold and the total are above 10,000: y is not enough, the count is typed.
    assert!(s.contains("Above 10,000: type the number of holds (4) to confirm, then Enter."), "{s}");
    assert!(press(&mut app, "y3\n").is_empty(), "a wrong count sends nothing");
    assert!(screen(&mut app).contains("type 4 to send all 4"));
    for _ in 0..2 {
        app.on_key(KeyEvent::from(KeyCode::Backspace));
    }

    let sent = commands(&press(&mut app, "4\n"));
    assert_eq!(sent.len(), 2, "at most 2 in flight");
    for (i, (_, command, body, key)) in sent.iter().enumerate() {
        assert_eq!(command, "release_hold");
        assert_eq!(body["hold_id"], format!("hold_01947c{i:02}"));
        assert_eq!(body["reason"], "provider portal: failed (evidence: FW-REF-1)");
        assert!(body.get("provider_reference").is_none(), "each hold keeps its own provider reference");
        assert_eq!(key, &keys[i], "the key made when the form opened");
    }
    let in_flight = |app: &App| app.views.payouts.bulk.as_ref().unwrap().batch.counts().in_flight;
    // The first is lost: the third goes, still 2 in flight.
    let third = commands(&app.on_data(lost(sent[0].0)));
    assert_eq!(third.len(), 1);
    assert_eq!(in_flight(&app), 2);
    let fourth = commands(&app.on_data(released(sent[1].0, false)));
    assert_eq!(fourth.len(), 1);
    assert_eq!(in_flight(&app), 2);
    assert!(commands(&app.on_data(refused(third[0].0, "HOLD_NOT_OPEN"))).is_empty());
    assert!(commands(&app.on_data(released(fourth[0].0, true))).is_empty());
    assert_eq!(in_flight(&app), 0);

    let batch = &app.views.payouts.bulk.as_ref().unwrap().batch;
    assert!(batch.finished());
    assert_eq!(batch.kept_key("hold_01947c00"), Some(keys[0].as_str()), "kept: no answer");
    for id in ["hold_01947c01", "hold_01947c02", "hold_01947c03"] {
        assert_eq!(batch.kept_key(id), None, "rotated out on a definite answer: {id}");
    }
    assert!(matches!(batch.items[2].outcome, Outcome::Refused { ref code, .. } if code == "HOLD_NOT_OPEN"));
    let s = screen(&mut app);
    assert!(s.contains("released 2 of 4 · 1 replayed · 1 refused · 1 no answer"), "{s}");
    assert!(s.contains("✓ posted") && s.contains("✓ replayed") && s.contains("✖ HOLD_NOT_OPEN"), "{s}");
    assert!(s.contains("? no answer"), "{s}");

    let again = commands(&press(&mut app, "R"));
    assert_eq!(again.len(), 1, "only the item without a definite answer");
    assert_eq!(again[0].2["hold_id"], "hold_01947c00");
    assert_eq!(again[0].3, keys[0], "under its same key");
    app.on_data(released(again[0].0, true));
    assert!(commands(&press(&mut app, "R")).is_empty(), "nothing left to resubmit");
    assert!(screen(&mut app).contains("nothing to resubmit"));
    press(&mut app, "\x1b");
    assert!(app.views.payouts.bulk.is_none());
    assert_eq!(app.views.payouts.marked(), 0, "every item answered: the marks go");
}

/// A hold settled by someone else while the confirmation is open is noted
/// there (and its mark dropped), but stays in the batch: its command is
/// refused by the server, not skipped by the cockpit.
#[test]
fn a_hold_ended_under_the_open_confirmation_is_noted_and_still_sent() {
    let mut app = queue_app(4);
    press(&mut app, " j ");
    press(&mut app, "r");
    press(&mut app, "failed at the provider\n");
    app.on_data(DataMsg::Live(LiveEvent::HoldChanged(HoldChange {
        hold_id: "hold_01947c01".into(),
        status: "settled".into(),
        command: "settle_hold".into(),
    })));
    let s = screen(&mut app);
    assert!(s.contains("payout-7701 30.00 USD is settled now"), "{s}");
    assert_eq!(commands(&press(&mut app, "y")).len(), 2);
}

/// Escape while items are in flight keeps the table open; the items without
/// an answer keep their marks and keys for the next bulk on them.
#[test]
fn closing_keeps_marks_and_keys_of_unanswered_items() {
    let mut app = queue_app(4);
    press(&mut app, " j ");
    press(&mut app, "r");
    press(&mut app, "failed\n");
    let sent = commands(&press(&mut app, "y"));
    press(&mut app, "\x1b");
    assert!(app.views.payouts.bulk.is_some(), "still sending");
    app.on_data(lost(sent[0].0));
    app.on_data(released(sent[1].0, false));
    press(&mut app, "\x1b");
    assert!(app.views.payouts.bulk.is_none());
    assert_eq!(app.views.payouts.marks.keys().collect::<Vec<_>>(), ["hold_01947c00"]);
    press(&mut app, "r");
    let bulk = app.views.payouts.bulk.as_ref().unwrap();
    assert_eq!(bulk.batch.items[0].key, sent[0].3, "the next bulk reuses the unanswered key");
}

/// Outbox: Space marks messages, `R` with marks confirms the count, `y`
/// sends one `retry_outbox_message` per message with its own key.
#[test]
fn outbox_messages_are_retried_in_bulk() {
    let mut app = fixtures::app("terminal", false, false).with_bulk_concurrency(4);
    press(&mut app, "4");
    press(&mut app, " j ");
    assert!(screen(&mut app).contains("2 marked (R retries them)"));
    assert!(press(&mut app, "R").is_empty());
    assert!(screen(&mut app).contains("Retry 2 messages"));
    let sent = commands(&press(&mut app, "y"));
    let ids: Vec<&serde_json::Value> = sent.iter().map(|(_, _, body, _)| &body["message_id"]).collect();
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|(_, c, _, _)| c == "retry_outbox_message"));
    assert_ne!(ids[0], ids[1]);
    assert_ne!(sent[0].3, sent[1].3, "a key per message");
    for (id, ..) in &sent {
        app.on_data(fixtures::command_done(*id, "retry_outbox_message", CommandStatus::Posted));
    }
    assert!(screen(&mut app).contains("retried 2 of 2"));
    press(&mut app, "\x1b");
    assert!(app.views.outbox.marks.is_empty());
}

/// A single retry and a bulk retry of the same message are one store of
/// keys: a single retry left without an answer is resumed by the bulk
/// under its key, and the bulk's definite answer rotates it.
#[test]
fn a_single_and_a_bulk_retry_share_the_message_key() {
    let mut app = fixtures::app("terminal", false, false).with_bulk_concurrency(4);
    press(&mut app, "4");
    let single = commands(&press(&mut app, "Ry"));
    assert_eq!(single.len(), 1);
    let message = single[0].2["message_id"].as_str().unwrap().to_string();
    app.on_data(lost(single[0].0));
    assert_eq!(app.views.outbox.retry_key(&message), Some(single[0].3.as_str()), "kept: no answer");
    press(&mut app, " R");
    let bulk = commands(&press(&mut app, "y"));
    assert_eq!(bulk.len(), 1);
    assert_eq!(bulk[0].3, single[0].3, "the bulk resumes the single retry's key");
    app.on_data(fixtures::command_done(bulk[0].0, "retry_outbox_message", CommandStatus::Posted));
    press(&mut app, "\x1b");
    assert_eq!(app.views.outbox.retry_key(&message), None, "rotated by the definite answer");
}

/// Read-only: the bulk keys that write are hidden, so nothing is sent.
#[test]
fn read_only_profiles_cannot_bulk() {
    let mut app = fixtures::app("terminal", true, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    press(&mut app, " ");
    assert!(press(&mut app, "r").is_empty());
    assert!(app.views.payouts.bulk.is_none());
}
