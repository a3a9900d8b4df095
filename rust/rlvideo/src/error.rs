//! The error type shared by every part of the recorder.

use std::path::PathBuf;

/// Everything that can go wrong while recording a video.
///
/// The variants are grouped the way a caller reacts to them: a bad frame or bad options
/// is the caller's mistake ([`Error::InvalidFrame`], [`Error::InvalidOptions`],
/// [`Error::OptionOutOfRange`]); a file
/// system problem carries the path it concerns ([`Error::Io`]); a failure inside the
/// encoder or muxer is ours or rav1e's ([`Error::Encoder`], [`Error::Muxer`]).
///
/// ```
/// use rlvideo::{EncoderOptions, Error, VideoWriter};
///
/// let missing = std::env::temp_dir().join("no-such-folder-for-rlvideo").join("x.mp4");
/// match VideoWriter::create(&missing, 30.0, EncoderOptions::default()) {
///     Err(Error::Io { path, source, .. }) => {
///         assert_eq!(path, missing);
///         assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
///     }
///     other => panic!("expected an I/O error, got {other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The frame handed to `write` does not fit the video (shape, layout or size).
    #[error("invalid frame: {0}")]
    InvalidFrame(String),

    /// An option is invalid (other than an integer out of its range).
    #[error("invalid option: {0}")]
    InvalidOptions(String),

    /// An integer option is outside its range ([`crate::IntOption`]).
    #[error("invalid option: {option} must be between {min} and {max}, got {got}")]
    OptionOutOfRange {
        /// The option's name (`"quantizer"`, ...).
        option: &'static str,
        /// Smallest value taken.
        min: u64,
        /// Largest value taken.
        max: u64,
        /// The value given, as the caller wrote it (or a description of it).
        got: String,
    },

    /// Creating, writing or renaming a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing, e.g. "cannot create".
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// rav1e refused the configuration or failed while encoding.
    #[error("AV1 encoder failed: {0}")]
    Encoder(String),

    /// The MP4 boxes could not be built.
    #[error("MP4 muxer failed: {0}")]
    Muxer(String),

    /// The writer was already finished (or failed earlier) and takes no more frames.
    #[error("the video writer is closed")]
    Closed,

    /// A background thread died unexpectedly (a bug: please report it).
    #[error("the encoder panicked (a bug in rlvideo or rav1e; please report it): {0}")]
    ThreadPanicked(String),
}

impl Error {
    /// Whether the writer that returned this error is closed for good: true for every error
    /// but a bad frame or bad options, which leave the writer taking frames (the encoder
    /// thread has stopped, or the writer was already closed).
    ///
    /// ```
    /// use rlvideo::Error;
    ///
    /// assert!(!Error::InvalidFrame("3 channels expected".into()).closes_writer());
    /// assert!(Error::Encoder("rav1e failed".into()).closes_writer());
    /// ```
    pub fn closes_writer(&self) -> bool {
        !matches!(
            self,
            Error::InvalidFrame(_) | Error::InvalidOptions(_) | Error::OptionOutOfRange { .. }
        )
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
