//! The `text/event-stream` wire format, as the HTML standard defines it:
//! lines end in LF, CRLF or CR; `field: value` lines (one space after the
//! colon is dropped); `:` starts a comment; a blank line dispatches the
//! event; `data` lines join with `\n`; an event without data is not
//! dispatched, but its `id` still counts. `retry` and unknown fields are
//! ignored. Bytes are buffered until a line is complete, so a chunk may end
//! anywhere, even inside a UTF-8 character.
//!
//! Memory is bounded: a line longer than [`Limits::line`] or an event whose
//! data grows past [`Limits::event`] is an error, found before the bytes
//! over the limit are kept, and the parser keeps nothing more after it.

use super::StreamPart;

/// One block of fields ended by a blank line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// The `id` field, if the block had one (`Some("")` clears the last id).
    pub id: Option<String>,
    /// The `event` field, or `message` when there was none.
    pub kind: String,
    /// The joined `data` lines; `None` when there were none (nothing to dispatch).
    pub data: Option<String>,
}

/// The most the parser holds at once, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// One line, without its line ending.
    pub line: usize,
    /// One event's data: its `data` lines joined with `\n`.
    pub event: usize,
}

/// A limit was passed: what, and the limit in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge {
    /// A line or an event's data.
    pub what: StreamPart,
    /// The limit it passed.
    pub limit: usize,
}

/// An incremental parser of one connection's byte stream.
#[derive(Debug)]
pub(crate) struct SseParser {
    limits: Limits,
    line: Vec<u8>,
    after_cr: bool,
    started: bool,
    /// A limit was passed: everything after it is ignored (the connection
    /// is to be dropped).
    spent: bool,
    id: Option<String>,
    kind: Option<String>,
    /// Each data line followed by `\n`, as the standard keeps it.
    data: String,
}

impl SseParser {
    /// A parser that holds at most `limits`.
    pub fn new(limits: Limits) -> Self {
        SseParser {
            limits,
            line: Vec::new(),
            after_cr: false,
            started: false,
            spent: false,
            id: None,
            kind: None,
            data: String::new(),
        }
    }

    /// Feeds the next chunk and appends the blocks it completed to
    /// `blocks`, in order. On passing a limit, the blocks completed before
    /// it are still appended, what was buffered is let go, and this and
    /// every later chunk is ignored.
    pub fn feed(&mut self, mut chunk: &[u8], blocks: &mut Vec<Block>) -> Result<(), TooLarge> {
        if self.spent {
            return Ok(());
        }
        while let Some((&first, rest)) = chunk.split_first() {
            if std::mem::take(&mut self.after_cr) && first == b'\n' {
                chunk = rest;
                continue;
            }
            let Some(end) = chunk.iter().position(|b| matches!(b, b'\n' | b'\r')) else {
                return self.extend_line(chunk);
            };
            self.extend_line(&chunk[..end])?;
            self.after_cr = chunk[end] == b'\r';
            chunk = &chunk[end + 1..];
            let line = std::mem::take(&mut self.line);
            match self.line_done(&line) {
                Ok(Some(block)) => blocks.push(block),
                Ok(None) => {}
                Err(too_large) => return Err(self.give_up(too_large)),
            }
        }
        Ok(())
    }

    /// Adds bytes to the line being read, unless that would pass the limit.
    fn extend_line(&mut self, bytes: &[u8]) -> Result<(), TooLarge> {
        if self.line.len() + bytes.len() > self.limits.line {
            return Err(self.give_up(TooLarge { what: StreamPart::Line, limit: self.limits.line }));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    /// Lets go of everything buffered and ignores what follows.
    fn give_up(&mut self, too_large: TooLarge) -> TooLarge {
        self.spent = true;
        self.line = Vec::new();
        self.data = String::new();
        (self.id, self.kind) = (None, None);
        too_large
    }

    fn line_done(&mut self, raw: &[u8]) -> Result<Option<Block>, TooLarge> {
        let mut line = String::from_utf8_lossy(raw);
        if !std::mem::replace(&mut self.started, true)
            && let Some(rest) = line.strip_prefix('\u{feff}')
        {
            line = rest.to_string().into();
        }
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.kind = Some(value.to_string()),
            "data" => {
                // The data so far keeps a `\n` after each line; the last is
                // dropped at dispatch, so this line's own does not count.
                if self.data.len() + value.len() > self.limits.event {
                    return Err(TooLarge { what: StreamPart::Event, limit: self.limits.event });
                }
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => self.id = Some(value.to_string()),
            _ => {}
        }
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<Block> {
        let (id, kind, mut data) = (self.id.take(), self.kind.take(), std::mem::take(&mut self.data));
        if id.is_none() && data.is_empty() {
            // A blank line after nothing, or after comments or an `event` alone.
            return None;
        }
        let data = data.pop().map(|_| data);
        Some(Block { id, kind: kind.filter(|k| !k.is_empty()).unwrap_or_else(|| "message".into()), data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOMY: Limits = Limits { line: 1 << 20, event: 4 << 20 };

    fn parser() -> SseParser {
        SseParser::new(ROOMY)
    }

    /// Feeds one chunk and returns its blocks, failing on a passed limit.
    fn feed(parser: &mut SseParser, chunk: &[u8]) -> Vec<Block> {
        let mut blocks = Vec::new();
        parser.feed(chunk, &mut blocks).expect("within the limits");
        blocks
    }

    fn block(id: Option<&str>, kind: &str, data: Option<&str>) -> Block {
        Block { id: id.map(Into::into), kind: kind.into(), data: data.map(Into::into) }
    }

    const STREAM: &str = "\u{feff}: a comment\n\nevent: hold.changed\nid: 7-1\ndata: {\"a\":\ndata:1}\n\n\
        id: 7-2\r\nevent:heartbeat\r\ndata: {}\r\n\r\ndata: plain text \u{e9}\u{20ac}\rdata\r\r\
        id: 7-3\n\nretry: 5\nunknown: x\nevent: gone\n\nid: 7-4\ndata: no blank line yet";

    fn expected() -> Vec<Block> {
        vec![
            block(Some("7-1"), "hold.changed", Some("{\"a\":\n1}")),
            block(Some("7-2"), "heartbeat", Some("{}")),
            block(None, "message", Some("plain text \u{e9}\u{20ac}\n")),
            block(Some("7-3"), "message", None),
        ]
    }

    #[test]
    fn parses_fields_comments_line_endings_and_dispatch() {
        assert_eq!(feed(&mut parser(), STREAM.as_bytes()), expected());
    }

    #[test]
    fn chunks_may_end_anywhere() {
        let bytes = STREAM.as_bytes();
        for size in 1..=7 {
            let mut parser = parser();
            let blocks: Vec<Block> = bytes.chunks(size).flat_map(|chunk| feed(&mut parser, chunk)).collect();
            assert_eq!(blocks, expected(), "chunks of {size} bytes");
        }
        // A CR at a chunk's end and the LF of the same line ending in the next.
        let mut p = parser();
        assert!(feed(&mut p, b"data: x\r").is_empty());
        assert_eq!(feed(&mut p, b"\n\r\n"), vec![block(None, "message", Some("x"))]);
    }

    #[test]
    fn an_empty_id_clears_and_an_event_without_data_is_not_an_event() {
        let mut p = parser();
        assert_eq!(feed(&mut p, b"id\n\nevent: x\n\n"), vec![block(Some(""), "message", None)]);
        assert_eq!(feed(&mut p, b"data\n\n"), vec![block(None, "message", Some(""))]);
    }

    const TIGHT: Limits = Limits { line: 16, event: 24 };

    /// A line may be exactly as long as the limit; one byte more is an
    /// error, whether it comes in one chunk or many, and nothing is kept.
    #[test]
    fn a_line_past_its_limit_is_an_error_and_is_not_kept() {
        let mut p = SseParser::new(TIGHT);
        let exact = format!("data: {}\n\n", "x".repeat(10));
        assert_eq!(feed(&mut p, exact.as_bytes()), vec![block(None, "message", Some(&"x".repeat(10)))]);
        let mut blocks = Vec::new();
        for _ in 0..16 {
            p.feed(b"y", &mut blocks).expect("16 bytes fit");
        }
        let error = p.feed(b"y", &mut blocks).expect_err("the 17th byte does not");
        assert_eq!(error, TooLarge { what: StreamPart::Line, limit: 16 });
        assert_eq!(p.line.capacity(), 0, "the buffered line is let go");
        assert!(p.feed(&[b'z'; 1000], &mut blocks).is_ok(), "a spent parser ignores what follows");
        assert!(blocks.is_empty() && p.line.is_empty());
    }

    /// An event's data lines count together: each fits the line limit, the
    /// sum passes the event limit. Events completed before it still come out.
    #[test]
    fn an_event_past_its_limit_is_an_error_after_the_events_before_it() {
        let mut p = SseParser::new(TIGHT);
        let mut blocks = Vec::new();
        let chunk = b"data: first\n\ndata: 0123456789\ndata: 0123456789\ndata: 0123\n\n";
        let error = p.feed(chunk, &mut blocks).expect_err("26 bytes of data");
        assert_eq!(error, TooLarge { what: StreamPart::Event, limit: 24 });
        assert_eq!(blocks, vec![block(None, "message", Some("first"))]);
        assert_eq!(p.data.capacity(), 0, "the event's data is let go");
        // Exactly at the limit: two 10-byte lines, their newlines and two bytes more.
        let mut p = SseParser::new(TIGHT);
        let fits = feed(&mut p, b"data: 0123456789\ndata: 0123456789\ndata: 01\n\n");
        assert_eq!(fits[0].data.as_deref().map(str::len), Some(24));
    }
}
