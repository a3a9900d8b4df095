//! Just enough AV1 bitstream reading for MP4: walk the OBUs of a packet, drop temporal
//! delimiters, find the sequence header and read its level and tier.
//!
//! Written by hand because the job is a few dozen lines of the AV1 spec (sections 5.3 and
//! 5.5) and no maintained crate offers it without pulling in a whole decoder.

use crate::error::{Error, Result};

/// OBU types we care about (AV1 spec, section 6.2.2).
const OBU_SEQUENCE_HEADER: u8 = 1;
const OBU_TEMPORAL_DELIMITER: u8 = 2;

/// What the MP4 layer needs from one encoded packet.
#[derive(Debug, Default)]
pub(crate) struct SampleData {
    /// The packet without temporal delimiter OBUs, as AV1-in-ISOBMFF requires.
    pub data: Vec<u8>,
    /// The sequence header OBU (header and payload) if the packet had one.
    pub sequence_header: Option<Vec<u8>>,
}

/// Splits `packet` into OBUs, keeping all but temporal delimiters.
pub(crate) fn to_sample(packet: &[u8]) -> Result<SampleData> {
    let mut out = SampleData {
        data: Vec::with_capacity(packet.len()),
        sequence_header: None,
    };
    let mut rest = packet;
    while !rest.is_empty() {
        let header = rest[0];
        let obu_type = (header >> 3) & 0x0f;
        let has_extension = header & 0x04 != 0;
        let has_size = header & 0x02 != 0;
        let header_len = 1 + usize::from(has_extension);
        if rest.len() < header_len {
            return Err(malformed("OBU header runs past the packet"));
        }
        let total = if has_size {
            let (size, leb_len) = read_leb128(&rest[header_len..])?;
            header_len + leb_len + size
        } else {
            rest.len()
        };
        if total > rest.len() {
            return Err(malformed("OBU size runs past the packet"));
        }
        let (obu, tail) = rest.split_at(total);
        if obu_type == OBU_SEQUENCE_HEADER && out.sequence_header.is_none() {
            out.sequence_header = Some(obu.to_vec());
        }
        if obu_type != OBU_TEMPORAL_DELIMITER {
            out.data.extend_from_slice(obu);
        }
        rest = tail;
    }
    Ok(out)
}

/// `seq_profile`, and `seq_level_idx` and `seq_tier` of operating point 0, read from a
/// sequence header OBU.
pub(crate) fn profile_level_and_tier(sequence_header_obu: &[u8]) -> Result<(u8, u8, bool)> {
    let header = *sequence_header_obu
        .first()
        .ok_or_else(|| malformed("empty sequence header"))?;
    let mut payload = &sequence_header_obu[1 + usize::from(header & 0x04 != 0)..];
    if header & 0x02 != 0 {
        let (_, leb_len) = read_leb128(payload)?;
        payload = &payload[leb_len..];
    }
    let mut bits = BitReader {
        data: payload,
        pos: 0,
    };
    let profile = bits.read(3)? as u8;
    let _still_picture = bits.read(1)?;
    let reduced_still_picture_header = bits.read(1)? == 1;
    if reduced_still_picture_header {
        return Ok((profile, bits.read(5)? as u8, false));
    }
    if bits.read(1)? == 1 {
        // timing_info_present_flag: we never ask rav1e for timing info, so never expect it.
        return Err(malformed(
            "sequence header with timing info is not supported",
        ));
    }
    let _initial_display_delay_present = bits.read(1)?;
    let _operating_points_cnt_minus_1 = bits.read(5)?;
    let _operating_point_idc = bits.read(12)?;
    let level = bits.read(5)? as u8;
    let tier = level > 7 && bits.read(1)? == 1;
    Ok((profile, level, tier))
}

fn read_leb128(data: &[u8]) -> Result<(usize, usize)> {
    let mut value: u64 = 0;
    for (i, &byte) in data.iter().take(8).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return usize::try_from(value)
                .map(|v| (v, i + 1))
                .map_err(|_| malformed("OBU size too large"));
        }
    }
    Err(malformed("unterminated OBU size"))
}

struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn read(&mut self, n: usize) -> Result<u32> {
        let mut value = 0u32;
        for _ in 0..n {
            let byte = *self
                .data
                .get(self.pos / 8)
                .ok_or_else(|| malformed("sequence header ends early"))?;
            value = (value << 1) | u32::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        Ok(value)
    }
}

fn malformed(what: &str) -> Error {
    Error::Muxer(format!("malformed AV1 packet from the encoder: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_temporal_delimiters_and_keeps_the_rest() {
        // TD (type 2, size 0), then a padding OBU (type 15) with 2 payload bytes.
        let packet = [0x12, 0x00, 0x7a, 0x02, 0xaa, 0xbb];
        let sample = to_sample(&packet).unwrap();
        assert_eq!(sample.data, [0x7a, 0x02, 0xaa, 0xbb]);
        assert!(sample.sequence_header.is_none());
    }

    #[test]
    fn rejects_an_obu_longer_than_the_packet() {
        assert!(to_sample(&[0x7a, 0x05, 0x00]).is_err());
    }

    #[test]
    fn reads_profile_level_and_tier() {
        // profile 1, not still, not reduced, no timing info, no display delay,
        // 1 operating point, idc 0, level 8 (4.0), tier 1.
        // bits: 000 0 0 0 0 00000 000000000000 01000 1 -> padded to bytes.
        let bits = concat!(
            "001",
            "0",
            "0",
            "0",
            "0",
            "00000",
            "000000000000",
            "01000",
            "1"
        );
        let mut bytes = vec![0u8; bits.len().div_ceil(8)];
        for (i, b) in bits.bytes().enumerate() {
            if b == b'1' {
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
        let mut obu = vec![0x0a, bytes.len() as u8];
        obu.extend(bytes);
        assert_eq!(profile_level_and_tier(&obu).unwrap(), (1, 8, true));
    }
}
