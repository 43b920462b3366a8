//! The `text/event-stream` wire format, as the HTML standard defines it:
//! lines end in LF, CRLF or CR; `field: value` lines (one space after the
//! colon is dropped); `:` starts a comment; a blank line dispatches the
//! event; `data` lines join with `\n`; an event without data is not
//! dispatched, but its `id` still counts. `retry` and unknown fields are
//! ignored. Bytes are buffered until a line is complete, so a chunk may end
//! anywhere, even inside a UTF-8 character.

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

/// An incremental parser of one connection's byte stream.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    after_cr: bool,
    started: bool,
    id: Option<String>,
    kind: Option<String>,
    /// Each data line followed by `\n`, as the standard keeps it.
    data: String,
}

impl SseParser {
    /// Feeds the next chunk; returns the blocks it completed, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Block> {
        let mut blocks = Vec::new();
        for &byte in chunk {
            if std::mem::take(&mut self.after_cr) && byte == b'\n' {
                continue;
            }
            match byte {
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(block) = self.line_done(&line) {
                        blocks.push(block);
                    }
                }
                _ => self.line.push(byte),
            }
        }
        blocks
    }

    fn line_done(&mut self, raw: &[u8]) -> Option<Block> {
        let mut line = String::from_utf8_lossy(raw);
        if !std::mem::replace(&mut self.started, true)
            && let Some(rest) = line.strip_prefix('\u{feff}')
        {
            line = rest.to_string().into();
        }
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.kind = Some(value.to_string()),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => self.id = Some(value.to_string()),
            _ => {}
        }
        None
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
        assert_eq!(SseParser::default().feed(STREAM.as_bytes()), expected());
    }

    #[test]
    fn chunks_may_end_anywhere() {
        let bytes = STREAM.as_bytes();
        for size in 1..=7 {
            let mut parser = SseParser::default();
            let blocks: Vec<Block> = bytes.chunks(size).flat_map(|chunk| parser.feed(chunk)).collect();
            assert_eq!(blocks, expected(), "chunks of {size} bytes");
        }
        // A CR at a chunk's end and the LF of the same line ending in the next.
        let mut parser = SseParser::default();
        assert!(parser.feed(b"data: x\r").is_empty());
        assert_eq!(parser.feed(b"\n\r\n"), vec![block(None, "message", Some("x"))]);
    }

    #[test]
    fn an_empty_id_clears_and_an_event_without_data_is_not_an_event() {
        let mut parser = SseParser::default();
        assert_eq!(parser.feed(b"id\n\nevent: x\n\n"), vec![block(Some(""), "message", None)]);
        assert_eq!(parser.feed(b"data\n\n"), vec![block(None, "message", Some(""))]);
    }
}
