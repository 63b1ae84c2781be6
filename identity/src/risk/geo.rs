//! Where an address is, and whether it hides someone: the `GeoIp` port and its
//! MaxMind-format implementation (GeoLite2/GeoIP2 City and Anonymous-IP databases).

use std::net::IpAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A point on Earth, in degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// Great-circle distance in kilometres (haversine, mean Earth radius).
    pub fn km_to(self, other: GeoPoint) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0;
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

/// An address's approximate place.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// ISO 3166-1 alpha-2, e.g. `GB`.
    pub country: Option<String>,
    pub city: Option<String>,
    pub point: Option<GeoPoint>,
}

impl Place {
    /// "London, GB", "GB" or "an unknown place", for explanations.
    pub fn label(&self) -> String {
        match (&self.city, &self.country) {
            (Some(city), Some(country)) => format!("{city}, {country}"),
            (None, Some(country)) => country.clone(),
            (Some(city), None) => city.clone(),
            (None, None) => "an unknown place".into(),
        }
    }
}

/// What the anonymous-IP database says about an address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkFlags {
    pub vpn: bool,
    pub tor: bool,
    pub proxy: bool,
    pub hosting: bool,
}

impl NetworkFlags {
    pub fn any(self) -> bool {
        self.vpn || self.tor || self.proxy || self.hosting
    }

    /// "Tor exit node, VPN", for explanations.
    pub fn describe(self) -> String {
        let mut kinds = Vec::new();
        if self.tor {
            kinds.push("Tor exit node");
        }
        if self.vpn {
            kinds.push("VPN");
        }
        if self.proxy {
            kinds.push("public proxy");
        }
        if self.hosting {
            kinds.push("hosting provider");
        }
        kinds.join(", ")
    }
}

/// Looks addresses up. Implementations must not fail loudly: an unknown address is
/// simply unknown.
pub trait GeoIp: Send + Sync {
    fn locate(&self, ip: IpAddr) -> Option<Place>;
    fn network(&self, ip: IpAddr) -> NetworkFlags;
}

/// No databases configured: every address is unknown and unflagged.
pub struct NoGeoIp;

impl GeoIp for NoGeoIp {
    fn locate(&self, _ip: IpAddr) -> Option<Place> {
        None
    }

    fn network(&self, _ip: IpAddr) -> NetworkFlags {
        NetworkFlags::default()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("could not read the GeoIP database {path}: {reason}")]
pub struct GeoIpError {
    pub path: String,
    pub reason: String,
}

/// MaxMind-format databases read into memory.
pub struct MaxMindGeoIp {
    city: Option<maxminddb::Reader<Vec<u8>>>,
    anonymous: Option<maxminddb::Reader<Vec<u8>>>,
}

fn open(path: &Path) -> Result<maxminddb::Reader<Vec<u8>>, GeoIpError> {
    maxminddb::Reader::open_readfile(path).map_err(|e| GeoIpError {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

impl MaxMindGeoIp {
    /// Opens a City database and, optionally, an Anonymous-IP database.
    pub fn open(city: Option<&Path>, anonymous: Option<&Path>) -> Result<Self, GeoIpError> {
        Ok(Self {
            city: city.map(open).transpose()?,
            anonymous: anonymous.map(open).transpose()?,
        })
    }
}

impl GeoIp for MaxMindGeoIp {
    fn locate(&self, ip: IpAddr) -> Option<Place> {
        let reader = self.city.as_ref()?;
        let city: maxminddb::geoip2::City = reader.lookup(ip).ok()?.decode().ok()??;
        let point = match (city.location.latitude, city.location.longitude) {
            (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
            _ => None,
        };
        let place = Place {
            country: city.country.iso_code.map(str::to_string),
            city: city.city.names.english.map(str::to_string),
            point,
        };
        (place.country.is_some() || place.point.is_some()).then_some(place)
    }

    fn network(&self, ip: IpAddr) -> NetworkFlags {
        let Some(reader) = self.anonymous.as_ref() else {
            return NetworkFlags::default();
        };
        let Ok(Some(flags)) = reader
            .lookup(ip)
            .and_then(|r| r.decode::<maxminddb::geoip2::AnonymousIp>())
        else {
            return NetworkFlags::default();
        };
        NetworkFlags {
            vpn: flags.is_anonymous_vpn.unwrap_or(false),
            tor: flags.is_tor_exit_node.unwrap_or(false),
            proxy: flags.is_public_proxy.unwrap_or(false)
                || flags.is_residential_proxy.unwrap_or(false),
            hosting: flags.is_hosting_provider.unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn test_geoip() -> MaxMindGeoIp {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/geoip");
        MaxMindGeoIp::open(
            Some(&dir.join("GeoLite2-City-Test.mmdb")),
            Some(&dir.join("GeoIP2-Anonymous-IP-Test.mmdb")),
        )
        .unwrap()
    }

    #[test]
    fn places_come_from_the_city_database() {
        let geo = test_geoip();
        let cases = [
            ("81.2.69.142", Some("GB"), Some("London")),
            ("89.160.20.112", Some("SE"), Some("Linköping")),
            ("175.16.199.1", Some("CN"), Some("Changchun")),
            ("216.160.83.56", Some("US"), Some("Milton")),
        ];
        for (ip, country, city) in cases {
            let place = geo.locate(ip.parse().unwrap()).expect(ip);
            assert_eq!(place.country.as_deref(), country, "{ip}");
            assert_eq!(place.city.as_deref(), city, "{ip}");
            assert!(place.point.is_some(), "{ip}");
        }
        assert_eq!(geo.locate("10.0.0.1".parse().unwrap()), None);
        assert_eq!(geo.locate("::1".parse().unwrap()), None);
    }

    #[test]
    fn anonymous_networks_are_flagged() {
        let geo = test_geoip();
        let london = geo.network("81.2.69.142".parse().unwrap());
        assert!(london.vpn && london.tor && london.proxy && london.hosting);
        let tor = geo.network("1.124.213.1".parse().unwrap());
        assert!(tor.tor && tor.vpn);
        assert!(!geo.network("89.160.20.112".parse().unwrap()).any());
        assert!(!NoGeoIp.network("81.2.69.142".parse().unwrap()).any());
    }

    #[test]
    fn distances_are_great_circle() {
        let london = GeoPoint {
            lat: 51.5142,
            lon: -0.0931,
        };
        let changchun = GeoPoint {
            lat: 43.88,
            lon: 125.3228,
        };
        let km = london.km_to(changchun);
        assert!((7_900.0..8_200.0).contains(&km), "{km}");
        assert!(london.km_to(london) < 1e-6);
    }
}
