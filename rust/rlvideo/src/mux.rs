//! The MP4 file: `ftyp`, then one `mdat` that grows sample by sample, then `moov` (with the
//! `av01` sample entry, `av1C`, `colr` and the sample tables) once the last frame is in; or,
//! for the faststart layout, `ftyp` and `moov` in a new file with the samples copied behind
//! them (`faststart.rs`).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::PathBuf;

use mp4_atom::{
    Av01, Av1c, Clap, Co64, Codec, Colr, Dinf, Dref, DrefEntry, Encode, FourCC, Ftyp, Hdlr, Mdhd,
    Mdia, Minf, Moov, Mvhd, Stbl, Stsc, StscEntry, Stsd, Stss, Stsz, StszSamples, Stts, SttsEntry,
    Tkhd, Trak, Url, Visual, Vmhd,
};

use crate::color::NCLX;
use crate::error::{Error, Result};
use crate::faststart;
use crate::obu;
use crate::options::Chroma;
use crate::timing::FrameRate;

/// Bytes of the `mdat` header we write: 32-bit size 1, `mdat`, 64-bit size.
const MDAT_HEADER_LEN: u64 = 16;

/// The picture: what a viewer sees, what rav1e encoded (at least 16x16), and its chroma
/// subsampling (which `av1C` must repeat from the sequence header).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dimensions {
    pub width: usize,
    pub height: usize,
    pub coded_width: usize,
    pub coded_height: usize,
    pub chroma: Chroma,
}

/// Streams samples into a file and writes the index at the end.
pub(crate) struct Mp4Muxer {
    out: BufWriter<File>,
    path: PathBuf,
    sample_sizes: Vec<u32>,
    keyframes: Vec<u32>,
    mdat_len: u64,
    sequence_header: Option<Vec<u8>>,
}

impl Mp4Muxer {
    /// Writes `ftyp` and the `mdat` header into `file` (named `path` in errors).
    pub fn new(file: File, path: PathBuf) -> Result<Self> {
        let mut muxer = Mp4Muxer {
            out: BufWriter::with_capacity(1 << 20, file),
            path,
            sample_sizes: Vec::new(),
            keyframes: Vec::new(),
            mdat_len: MDAT_HEADER_LEN,
            sequence_header: None,
        };
        let mut head = ftyp()?;
        // mp4-atom encodes an Mdat only from data already in memory; we stream samples into
        // it, so the header is written by hand with a 64-bit size patched in at the end.
        head.extend_from_slice(&mdat_header(0));
        muxer.write_all(&head)?;
        Ok(muxer)
    }

    /// Appends one encoded AV1 packet as a sample.
    pub fn write_packet(&mut self, packet: &[u8], keyframe: bool) -> Result<()> {
        let sample = obu::to_sample(packet)?;
        if self.sequence_header.is_none() {
            self.sequence_header = sample.sequence_header;
        }
        let size = u32::try_from(sample.data.len())
            .map_err(|_| Error::Muxer("an encoded frame exceeds 4 GiB".into()))?;
        self.write_all(&sample.data)?;
        self.sample_sizes.push(size);
        if keyframe {
            self.keyframes.push(self.sample_sizes.len() as u32);
        }
        self.mdat_len += u64::from(size);
        Ok(())
    }

    /// Samples written so far.
    pub fn samples(&self) -> u64 {
        self.sample_sizes.len() as u64
    }

    /// Writes `moov`, patches the `mdat` size and syncs the file; returns the file's length.
    pub fn finish(mut self, dims: Dimensions, rate: FrameRate) -> Result<u64> {
        let bytes = encode_moov(&self.moov(dims, rate, STREAMED_SAMPLES_AT)?, dims)?;
        self.write_all(&bytes)?;
        let total = FTYP_LEN + self.mdat_len + bytes.len() as u64;
        let path = self.path.clone();
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| Error::io("cannot write the video", &path, e.into_error()))?;
        let patch = (|| {
            file.seek(SeekFrom::Start(MDAT_SIZE_OFFSET))?;
            file.write_all(&self.mdat_len.to_be_bytes())?;
            file.sync_all()
        })();
        patch.map_err(|e| Error::io("cannot write the video", &path, e))?;
        Ok(total)
    }

    /// The faststart layout: writes `ftyp`, `moov` and `mdat` into `out`, the samples copied
    /// from the streamed file (which is left as it is: without index, to be removed), and
    /// syncs `out`; returns its length.
    pub fn finish_faststart(self, dims: Dimensions, rate: FrameRate, mut out: File) -> Result<u64> {
        // `moov` lies between `ftyp` and the samples, so its chunk offset depends on its own
        // size; that size does not depend on the offset (`co64` entries are 8 bytes each),
        // so a first encoding measures it.
        let probe = encode_moov(&self.moov(dims, rate, 0)?, dims)?;
        let samples_at = FTYP_LEN + probe.len() as u64 + MDAT_HEADER_LEN;
        let moov = encode_moov(&self.moov(dims, rate, samples_at)?, dims)?;
        if moov.len() != probe.len() {
            return Err(Error::Muxer(
                "moov changed size with its chunk offset".into(),
            ));
        }
        let mut head = ftyp()?;
        head.extend_from_slice(&moov);
        head.extend_from_slice(&mdat_header(self.mdat_len));
        let path = self.path.clone();
        let streamed = self
            .out
            .into_inner()
            .map_err(|e| Error::io("cannot write the video", &path, e.into_error()))?;
        let samples = STREAMED_SAMPLES_AT..FTYP_LEN + self.mdat_len;
        faststart::assemble(&head, &streamed, samples, &mut out)
            .map_err(|e| Error::io("cannot write the video", &path, e))
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io("cannot write the video", &self.path, e))
    }

    /// The index, its one chunk starting `samples_at` bytes into the file.
    fn moov(&self, dims: Dimensions, rate: FrameRate, samples_at: u64) -> Result<Moov> {
        let count = self.sample_sizes.len() as u32;
        let duration = u64::from(count) * u64::from(rate.den);
        let width = dims.width as u16;
        let height = dims.height as u16;
        let sequence_header = self
            .sequence_header
            .clone()
            .ok_or_else(|| Error::Muxer("the encoder produced no sequence header".into()))?;
        let (profile, level, tier) = obu::profile_level_and_tier(&sequence_header)?;
        let subsampled = dims.chroma == Chroma::Yuv420;
        let (colour_primaries, transfer_characteristics, matrix_coefficients, full_range_flag) =
            NCLX;
        let av01 = Av01 {
            visual: Visual {
                data_reference_index: 1,
                width: dims.coded_width as u16,
                height: dims.coded_height as u16,
                compressor: "rlvideo AV1".into(),
                ..Default::default()
            },
            av1c: Av1c {
                seq_profile: profile,
                seq_level_idx_0: level,
                seq_tier_0: tier,
                chroma_subsampling_x: subsampled,
                chroma_subsampling_y: subsampled,
                config_obus: sequence_header,
                ..Default::default()
            },
            colr: Some(Colr::Nclx {
                colour_primaries,
                transfer_characteristics,
                matrix_coefficients,
                full_range_flag,
            }),
            ..Default::default()
        };
        Ok(Moov {
            mvhd: Mvhd {
                timescale: rate.num,
                duration,
                rate: 1.into(),
                volume: 1.into(),
                next_track_id: 2,
                ..Default::default()
            },
            trak: vec![Trak {
                tkhd: Tkhd {
                    track_id: 1,
                    duration,
                    enabled: true,
                    in_movie: true,
                    width: width.into(),
                    height: height.into(),
                    ..Default::default()
                },
                mdia: Mdia {
                    mdhd: Mdhd {
                        timescale: rate.num,
                        duration,
                        language: "und".into(),
                        ..Default::default()
                    },
                    hdlr: Hdlr {
                        handler: FourCC::new(b"vide"),
                        name: "VideoHandler".into(),
                    },
                    minf: Minf {
                        vmhd: Some(Vmhd::default()),
                        dinf: Dinf {
                            dref: Dref {
                                entries: vec![DrefEntry::Url(Url::default())],
                            },
                        },
                        stbl: Stbl {
                            stsd: Stsd {
                                codecs: vec![Codec::Av01(av01)],
                            },
                            stts: Stts {
                                entries: vec![SttsEntry {
                                    sample_count: count,
                                    sample_delta: rate.den,
                                }],
                            },
                            stss: Some(Stss {
                                entries: self.keyframes.clone(),
                            }),
                            stsc: Stsc {
                                entries: vec![StscEntry {
                                    first_chunk: 1,
                                    samples_per_chunk: count,
                                    sample_description_index: 1,
                                }],
                            },
                            stsz: Stsz {
                                samples: StszSamples::Different {
                                    sizes: self.sample_sizes.clone(),
                                },
                            },
                            co64: Some(Co64 {
                                entries: vec![samples_at],
                            }),
                            ..Default::default()
                        },
                        ..Default::default()
                    },
                },
                ..Default::default()
            }],
            ..Default::default()
        })
    }
}

/// Encodes `moov`. When rav1e had to encode a larger picture than the frames (it needs at
/// least 16x16), a `clap` (clean aperture) box in the `av01` sample entry tells decoders to
/// crop back to the frames' size. mp4-atom's `Av01` has no `clap` field (and will not
/// encode an opaque sample entry), so we encode mp4-atom's `Clap` separately, append it to
/// the `av01` box and grow the sizes of the boxes that contain it.
fn encode_moov(moov: &Moov, dims: Dimensions) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    moov.encode(&mut bytes).map_err(mux_err)?;
    if dims.width == dims.coded_width && dims.height == dims.coded_height {
        return Ok(bytes);
    }
    let clap = Clap {
        clean_aperture_width_n: dims.width as u32,
        clean_aperture_width_d: 1,
        clean_aperture_height_n: dims.height as u32,
        clean_aperture_height_d: 1,
        // Offsets are from the picture centre: shift so the crop keeps the top-left corner.
        horiz_off_n: dims.width as i32 - dims.coded_width as i32,
        horiz_off_d: 2,
        vert_off_n: dims.height as i32 - dims.coded_height as i32,
        vert_off_d: 2,
    };
    let mut clap_bytes = Vec::new();
    clap.encode(&mut clap_bytes).map_err(mux_err)?;

    // (box type, bytes from the box start to its first child)
    const PATH: [(&[u8; 4], usize); 7] = [
        (b"moov", 8),
        (b"trak", 8),
        (b"mdia", 8),
        (b"minf", 8),
        (b"stbl", 8),
        (b"stsd", 16), // full box header + entry count
        (b"av01", 8),
    ];
    let mut box_starts = Vec::with_capacity(PATH.len());
    let (mut pos, mut end) = (0usize, bytes.len());
    for (kind, children_offset) in PATH {
        let start = find_child(&bytes, pos, end, kind).ok_or_else(|| {
            Error::Muxer(format!(
                "no {} box to extend",
                String::from_utf8_lossy(kind)
            ))
        })?;
        box_starts.push(start);
        end = start + box_size(&bytes, start);
        pos = start + children_offset;
    }
    bytes.splice(end..end, clap_bytes.iter().copied());
    for start in box_starts {
        let size = box_size(&bytes, start) as u32 + clap_bytes.len() as u32;
        bytes[start..start + 4].copy_from_slice(&size.to_be_bytes());
    }
    Ok(bytes)
}

fn box_size(bytes: &[u8], start: usize) -> usize {
    u32::from_be_bytes([
        bytes[start],
        bytes[start + 1],
        bytes[start + 2],
        bytes[start + 3],
    ]) as usize
}

fn find_child(bytes: &[u8], mut pos: usize, end: usize, kind: &[u8; 4]) -> Option<usize> {
    while pos + 8 <= end {
        let size = box_size(bytes, pos);
        if &bytes[pos + 4..pos + 8] == kind {
            return Some(pos);
        }
        if size < 8 {
            return None;
        }
        pos += size;
    }
    None
}

/// The `ftyp` box, the same in both layouts.
fn ftyp() -> Result<Vec<u8>> {
    let ftyp = Ftyp {
        major_brand: b"isom".into(),
        minor_version: 512,
        compatible_brands: vec![
            b"isom".into(),
            b"iso6".into(),
            b"av01".into(),
            b"mp41".into(),
        ],
    };
    let mut bytes = Vec::new();
    ftyp.encode(&mut bytes).map_err(mux_err)?;
    debug_assert_eq!(
        bytes.len() as u64,
        FTYP_LEN,
        "FTYP_LEN must match the ftyp we write"
    );
    Ok(bytes)
}

/// An `mdat` header of [`MDAT_HEADER_LEN`] bytes for a box of `len` bytes: 32-bit size 1
/// (the size follows as 64 bits), `mdat`, the size.
fn mdat_header(len: u64) -> [u8; MDAT_HEADER_LEN as usize] {
    let mut header = [0u8; MDAT_HEADER_LEN as usize];
    header[..4].copy_from_slice(&1u32.to_be_bytes());
    header[4..8].copy_from_slice(b"mdat");
    header[8..].copy_from_slice(&len.to_be_bytes());
    header
}

/// Length of the `ftyp` box we write (8-byte header, brand, version, four brands).
const FTYP_LEN: u64 = 8 + 4 + 4 + 4 * 4;

/// Where the samples start in the streamed layout (`ftyp`, `mdat`, then `moov`).
const STREAMED_SAMPLES_AT: u64 = FTYP_LEN + MDAT_HEADER_LEN;

/// Where the 64-bit `mdat` size sits: after `ftyp` and the `mdat` box's first 8 bytes.
const MDAT_SIZE_OFFSET: u64 = FTYP_LEN + 8;

fn mux_err(e: mp4_atom::Error) -> Error {
    Error::Muxer(e.to_string())
}
