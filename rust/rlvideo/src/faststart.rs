//! The "faststart" layout of a finished video: `ftyp`, `moov`, then `mdat`. A player reading
//! the file over HTTP (a browser, a W&B page) then has the index within the first kilobytes
//! and starts playing at once, instead of first fetching the file's end (or, from a server
//! without range requests, all of it).
//!
//! The samples are streamed to disk while recording (frames are never kept), and the size of
//! `moov` is known only once the last sample is in, so no room can be left for it in front
//! of them. At finish the index goes into a second file and the samples are copied behind it
//! from the streamed one. `std::io::copy` between two files is `copy_file_range` on Linux: the
//! kernel copies (or, on btrfs/XFS, shares) the blocks without the video passing through this
//! process; elsewhere it is a loop through a small buffer. Either way memory stays bounded.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;

/// Writes `head` (`ftyp`, `moov` and the `mdat` header) into `out`, then the bytes `samples`
/// of `streamed`, and syncs `out`; returns the bytes written. `streamed` must be open for
/// reading.
pub(crate) fn assemble(
    head: &[u8],
    streamed: &File,
    samples: Range<u64>,
    out: &mut File,
) -> io::Result<u64> {
    out.write_all(head)?;
    let mut source = streamed;
    source.seek(SeekFrom::Start(samples.start))?;
    let len = samples.end - samples.start;
    let copied = io::copy(&mut source.take(len), out)?;
    if copied != len {
        // `co64` points at bytes that must all be there: a short copy is a broken video.
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the streamed video ended after {copied} of its {len} sample bytes"),
        ));
    }
    out.sync_all()?;
    Ok(head.len() as u64 + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str) -> (std::path::PathBuf, File) {
        let path =
            std::env::temp_dir().join(format!("rlvideo-faststart-{}-{name}", std::process::id()));
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        (path, file)
    }

    /// The head, then exactly the asked range of the streamed file: not its header, not
    /// its trailing index. 3 MiB, so the kernel copies it in more than one step.
    #[test]
    fn copies_exactly_the_sample_range_behind_the_head() {
        let (streamed_path, mut streamed) = temp_file("streamed");
        let (out_path, mut out) = temp_file("out");
        let samples: Vec<u8> = (0..3 << 20).map(|i: u32| (i * 7 + i / 251) as u8).collect();
        streamed.write_all(b"ftyp+mdat header").unwrap();
        streamed.write_all(&samples).unwrap();
        streamed.write_all(b"moov at the end").unwrap();
        let start = 16u64;
        let written = assemble(
            b"HEAD",
            &streamed,
            start..start + samples.len() as u64,
            &mut out,
        )
        .unwrap();
        let bytes = std::fs::read(&out_path).unwrap();
        let _ = (
            std::fs::remove_file(&streamed_path),
            std::fs::remove_file(&out_path),
        );
        assert_eq!(written, bytes.len() as u64);
        assert_eq!(&bytes[..4], b"HEAD");
        assert!(bytes[4..] == samples[..], "the samples differ");
    }

    #[test]
    fn a_streamed_file_shorter_than_its_samples_is_an_error() {
        let (streamed_path, mut streamed) = temp_file("short");
        let (out_path, mut out) = temp_file("short-out");
        streamed.write_all(&[1u8; 100]).unwrap();
        let error = assemble(b"", &streamed, 16..200, &mut out).unwrap_err();
        let _ = (
            std::fs::remove_file(&streamed_path),
            std::fs::remove_file(&out_path),
        );
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(error.to_string().contains("84 of its 184"), "{error}");
    }
}
