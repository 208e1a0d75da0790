//! Map datums. The canonical model is GCJ-02 (the datum of mainland map SDKs); Baidu's
//! SDK writes BD-09 and GPS receivers WGS-84. BD-09 → GCJ-02 and WGS-84 → GCJ-02 are the
//! published formulas; GCJ-02 → BD-09 is the exact inverse of the first, found by
//! iterating from the published approximate inverse, so a round trip GCJ-02 → BD-09 →
//! GCJ-02 returns to the same point within nanometres instead of the ~0.1 m the two
//! published formulas disagree by.

use std::f64::consts::PI;

/// A point in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lng: f64,
    pub lat: f64,
}

/// The datum a platform wrote its coordinates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum {
    Bd09,
    Gcj02,
    Wgs84,
}

impl Datum {
    /// The `coordType` names of the housekeeping format.
    pub fn from_coord_type(name: &str) -> Option<Self> {
        match name {
            "BD09" => Some(Datum::Bd09),
            "GCJ02" => Some(Datum::Gcj02),
            "WGS84" => Some(Datum::Wgs84),
            _ => None,
        }
    }

    pub fn coord_type(self) -> &'static str {
        match self {
            Datum::Bd09 => "BD09",
            Datum::Gcj02 => "GCJ02",
            Datum::Wgs84 => "WGS84",
        }
    }
}

/// The point in GCJ-02.
pub fn to_gcj02(point: Point, datum: Datum) -> Point {
    match datum {
        Datum::Bd09 => bd09_to_gcj02(point),
        Datum::Gcj02 => point,
        Datum::Wgs84 => wgs84_to_gcj02(point),
    }
}

const X_PI: f64 = PI * 3000.0 / 180.0;

/// The published BD-09 → GCJ-02 formula.
pub fn bd09_to_gcj02(bd: Point) -> Point {
    let x = bd.lng - 0.0065;
    let y = bd.lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    Point {
        lng: z * theta.cos(),
        lat: z * theta.sin(),
    }
}

/// The published GCJ-02 → BD-09 formula: an approximate inverse of [`bd09_to_gcj02`].
fn gcj02_to_bd09_published(gcj: Point) -> Point {
    let (x, y) = (gcj.lng, gcj.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    Point {
        lng: z * theta.cos() + 0.0065,
        lat: z * theta.sin() + 0.006,
    }
}

/// GCJ-02 → BD-09 such that [`bd09_to_gcj02`] brings the point back to `gcj`.
pub fn gcj02_to_bd09(gcj: Point) -> Point {
    let mut bd = gcj02_to_bd09_published(gcj);
    // The map is within 1e-4 of a translation, so each fixed-point step gains about four
    // digits; three steps reach f64 resolution.
    for _ in 0..4 {
        let back = bd09_to_gcj02(bd);
        let (dlng, dlat) = (gcj.lng - back.lng, gcj.lat - back.lat);
        if dlng.abs() < 1e-13 && dlat.abs() < 1e-13 {
            break;
        }
        bd.lng += dlng;
        bd.lat += dlat;
    }
    bd
}

/// Krasovsky 1940, the ellipsoid GCJ-02's formula is defined on.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

/// The published WGS-84 → GCJ-02 formula.
pub fn wgs84_to_gcj02(wgs: Point) -> Point {
    let (x, y) = (wgs.lng - 105.0, wgs.lat - 35.0);
    let mut dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    dlat += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    dlng += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlng += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlng += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let radlat = wgs.lat / 180.0 * PI;
    let magic = 1.0 - EE * radlat.sin() * radlat.sin();
    let sqrt_magic = magic.sqrt();
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    dlng = (dlng * 180.0) / (A / sqrt_magic * radlat.cos() * PI);
    Point {
        lng: wgs.lng + dlng,
        lat: wgs.lat + dlat,
    }
}

/// Great-circle distance in metres (haversine, mean Earth radius). Good to well under a
/// metre at the few-kilometre scale this is used for.
pub fn distance_m(a: Point, b: Point) -> f64 {
    const R: f64 = 6_371_008.8;
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dphi = (b.lat - a.lat).to_radians();
    let dlambda = (b.lng - a.lng).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TUANJIEHU_GCJ: Point = Point {
        lng: 116.4682,
        lat: 39.9247,
    };

    #[test]
    fn bd09_and_gcj02_differ_by_hundreds_of_metres_in_beijing() {
        let bd = gcj02_to_bd09(TUANJIEHU_GCJ);
        let apart = distance_m(bd, TUANJIEHU_GCJ);
        assert!((500.0..1000.0).contains(&apart), "{apart}");
    }

    #[test]
    fn the_published_inverse_is_within_a_metre_and_ours_is_exact() {
        let published = bd09_to_gcj02(gcj02_to_bd09_published(TUANJIEHU_GCJ));
        assert!(distance_m(published, TUANJIEHU_GCJ) < 1.0);
        let ours = bd09_to_gcj02(gcj02_to_bd09(TUANJIEHU_GCJ));
        assert!(distance_m(ours, TUANJIEHU_GCJ) < 1e-6);
    }

    #[test]
    fn wgs84_and_gcj02_differ_by_about_five_hundred_metres_in_beijing() {
        let wgs = Point {
            lng: 116.3912,
            lat: 39.9067,
        };
        let apart = distance_m(wgs84_to_gcj02(wgs), wgs);
        assert!((300.0..800.0).contains(&apart), "{apart}");
    }

    #[test]
    fn wgs84_matches_a_published_test_vector() {
        // eviltransform's test point in Shanghai.
        let gcj = wgs84_to_gcj02(Point {
            lng: 121.527_210_6,
            lat: 31.177_427_6,
        });
        assert!((gcj.lat - 31.175_303_983_645_97).abs() < 1e-9, "{gcj:?}");
        assert!((gcj.lng - 121.531_541_859_215).abs() < 1e-9, "{gcj:?}");
    }

    #[test]
    fn coord_types_name_their_datums() {
        for datum in [Datum::Bd09, Datum::Gcj02, Datum::Wgs84] {
            assert_eq!(Datum::from_coord_type(datum.coord_type()), Some(datum));
        }
        assert_eq!(Datum::from_coord_type("bd09"), None);
    }
}
