//! Byte streams of blobs: a section of a file on the host (a member of the
//! outer tar, or a blob file of a layout directory), decompressed when it is
//! gzip or zstd, and bounded so that a decompression bomb or an oversized
//! tar header ends in an error instead of memory or time.

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// A compressed layer may expand to this many times its size...
pub(crate) const MAX_RATIO: u64 = 32;
/// ...or to this many bytes, whichever is larger; past it, the layer is
/// treated as a decompression bomb.
pub(crate) const MIN_EXPANSION: u64 = 256 * 1024 * 1024;
/// Largest zstd window accepted (the zstd CLI's levels stay at or below
/// 8 MiB; 128 MiB windows come from `--long` and would cost that memory).
const MAX_ZSTD_WINDOW: u64 = 32 * 1024 * 1024;

/// `len` bytes at `offset` of a file on the host.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub path: Arc<PathBuf>,
    pub offset: u64,
    pub len: u64,
}

impl Section {
    /// Open the section for reading. The file is opened without following a
    /// symlink and without blocking (a FIFO swapped in is refused, not
    /// waited on).
    pub fn open(&self) -> io::Result<SectionReader> {
        let mut file = open_regular(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        Ok(SectionReader { file, start: self.offset, len: self.len, pos: 0 })
    }

    /// The section's bytes, when it holds at most `cap` bytes.
    pub fn read_all(&self, cap: u64) -> io::Result<Vec<u8>> {
        if self.len > cap {
            return Err(io::Error::other(format!("{} bytes (limit {cap})", self.len)));
        }
        let mut buf = Vec::with_capacity(self.len as usize);
        self.open()?.read_to_end(&mut buf)?;
        if (buf.len() as u64) < self.len {
            return Err(io::Error::other("truncated"));
        }
        Ok(buf)
    }
}

/// Open a regular file read-only, refusing symlinks, FIFOs and devices.
pub(crate) fn open_regular(path: &std::path::Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Reads one [`Section`]; seeking stays relative to the section's start.
pub(crate) struct SectionReader {
    file: File,
    start: u64,
    len: u64,
    pos: u64,
}

impl Read for SectionReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let max = (buf.len() as u64).min(left) as usize;
        if max == 0 {
            return Ok(0);
        }
        let n = self.file.read(&mut buf[..max])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SectionReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let base = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        let pos = base.ok_or_else(|| io::Error::other("seek out of range"))?;
        let abs = self.start.checked_add(pos).ok_or_else(|| io::Error::other("seek out of range"))?;
        self.file.seek(SeekFrom::Start(abs))?;
        self.pos = pos;
        Ok(pos)
    }
}

/// A budget of bytes a tar reader may consume while it parses one header
/// (long names and PAX records included), shared with the [`Bounded`]
/// reader below it (`u64::MAX`: disarmed); and how many bytes that reader
/// has read so far.
#[derive(Clone)]
pub(crate) struct Window {
    budget: Rc<Cell<u64>>,
    read: Rc<Cell<u64>>,
}

impl Window {
    pub fn new() -> Self {
        Window { budget: Rc::new(Cell::new(u64::MAX)), read: Rc::new(Cell::new(0)) }
    }
    pub fn arm(&self, bytes: u64) {
        self.budget.set(bytes);
    }
    pub fn disarm(&self) {
        self.budget.set(u64::MAX);
    }
    /// Bytes read from the stream (its position, when it is not seeked).
    pub fn read(&self) -> u64 {
        self.read.get()
    }
}

/// Counts what is read: stops past `limit` bytes in total (a decompression
/// bomb) and past the armed [`Window`] (a huge long name or PAX header).
pub(crate) struct Bounded<R> {
    inner: R,
    read: u64,
    limit: u64,
    window: Window,
}

impl<R> Bounded<R> {
    pub fn new(inner: R, limit: u64, window: Window) -> Self {
        Bounded { inner, read: 0, limit, window }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.window.read.set(self.read);
        if self.read > self.limit {
            return Err(io::Error::other(format!(
                "decompressed size exceeds {} MiB (possible decompression bomb)",
                self.limit / (1024 * 1024)
            )));
        }
        let left = self.window.budget.get();
        if left != u64::MAX {
            if n as u64 > left {
                return Err(io::Error::other("tar header data (long name or PAX records) larger than 1 MiB"));
            }
            self.window.budget.set(left - n as u64);
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Bounded<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.inner.seek(to)
    }
}

/// How a blob is compressed, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn sniff(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

const DECODED_BUFFER: usize = 256 * 1024;

/// A layer's tar stream: the section itself when uncompressed (seekable, so
/// file contents that are not needed are skipped, not read), or a bounded
/// decompressing reader.
pub(crate) enum TarStream {
    Plain(Bounded<SectionReader>),
    Packed(Bounded<Box<dyn Read>>),
}

/// Open a layer blob as a tar stream.
pub(crate) fn open_tar(section: &Section, window: &Window) -> io::Result<(TarStream, Compression)> {
    let mut head = [0u8; 4];
    let mut r = section.open()?;
    let n = read_up_to(&mut r, &mut head)?;
    let compression = Compression::sniff(&head[..n]);
    r.seek(SeekFrom::Start(0))?;
    let limit = section.len.saturating_mul(MAX_RATIO).max(MIN_EXPANSION);
    let stream = match compression {
        Compression::None => TarStream::Plain(Bounded::new(r, u64::MAX, window.clone())),
        // Decompressed bytes are buffered: tar reads 512-byte headers, and
        // a decoder asked for 512 bytes at a time runs several times slower.
        Compression::Gzip => {
            let gz = flate2::read::MultiGzDecoder::new(BufReader::new(r));
            let gz: Box<dyn Read> = Box::new(BufReader::with_capacity(DECODED_BUFFER, gz));
            TarStream::Packed(Bounded::new(gz, limit, window.clone()))
        }
        Compression::Zstd => {
            let zs: Box<dyn Read> = Box::new(BufReader::with_capacity(DECODED_BUFFER, Zstd::new(BufReader::new(r))));
            TarStream::Packed(Bounded::new(zs, limit, window.clone()))
        }
    };
    Ok((stream, compression))
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A zstd stream of one or more frames (skippable frames skipped), with a
/// bounded window.
struct Zstd<R: BufRead> {
    src: R,
    dec: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> Zstd<R> {
    fn new(src: R) -> Self {
        let mut dec = FrameDecoder::new();
        dec.set_max_window_size(MAX_ZSTD_WINDOW);
        Zstd { src, dec, in_frame: false }
    }
}

impl<R: BufRead> Read for Zstd<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.in_frame {
                if self.dec.can_collect() > 0 {
                    return self.dec.read(buf);
                }
                if self.dec.is_finished() {
                    self.in_frame = false;
                    continue;
                }
                self.dec
                    .decode_blocks(&mut self.src, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(io::Error::other)?;
                continue;
            }
            if self.src.fill_buf()?.is_empty() {
                return Ok(0);
            }
            match self.dec.reset(&mut self.src) {
                Ok(()) => self.in_frame = true,
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame { length, .. })) => {
                    let skipped = io::copy(&mut (&mut self.src).take(u64::from(length)), &mut io::sink())?;
                    if skipped < u64::from(length) {
                        return Err(io::Error::other("truncated zstd skippable frame"));
                    }
                }
                Err(e) => return Err(io::Error::other(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn compression_is_sniffed_from_magic_bytes() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(Compression::sniff(b"etc/"), Compression::None);
        assert_eq!(Compression::sniff(&[]), Compression::None);
    }

    #[test]
    fn bounded_reader_stops_a_bomb_and_a_long_header() {
        let mut r = Bounded::new(io::repeat(0).take(10_000), 4096, Window::new());
        let err = io::copy(&mut r, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("decompression bomb"), "{err}");
        let w = Window::new();
        let mut r = Bounded::new(io::repeat(0).take(10_000), u64::MAX, w.clone());
        w.arm(1000);
        let mut buf = [0u8; 600];
        r.read_exact(&mut buf).unwrap();
        assert!(r.read_exact(&mut buf).is_err());
        w.disarm();
        r.read_exact(&mut buf).unwrap();
    }

    #[test]
    fn zstd_reads_several_frames_and_skips_skippable_ones() {
        let mut data = ruzstd::encoding::compress_to_vec(&b"hello "[..], ruzstd::encoding::CompressionLevel::Fastest);
        // A skippable frame (magic 0x184D2A50, little endian) of 3 bytes.
        data.write_all(&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]).unwrap();
        data.extend(ruzstd::encoding::compress_to_vec(&b"world"[..], ruzstd::encoding::CompressionLevel::Fastest));
        let mut out = String::new();
        Zstd::new(&data[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out, "hello world");
    }
}
