//! Theme images: a logo, a favicon and the split layout's picture, uploaded by a brand
//! manager. The type is read from the bytes (never trusted from the upload), each kind
//! has a size limit, and an image is named by its SHA-256 — so its URL
//! (`/branding/assets/<sha256>.<ext>`) is cached for a year and never changes meaning.
//! SVG is refused: it can carry script.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secrets::sha256_hex;

/// Which image of the theme an upload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssetKind {
    Logo,
    Favicon,
    SideImage,
}

impl AssetKind {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "logo" => Some(Self::Logo),
            "favicon" => Some(Self::Favicon),
            "side_image" => Some(Self::SideImage),
            _ => None,
        }
    }

    /// The form field (and token) name.
    pub fn field(self) -> &'static str {
        match self {
            Self::Logo => "logo",
            Self::Favicon => "favicon",
            Self::SideImage => "side_image",
        }
    }

    /// The largest upload accepted, in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            Self::Logo => 512 * 1024,
            Self::Favicon => 128 * 1024,
            Self::SideImage => 2 * 1024 * 1024,
        }
    }

    fn accepts(self, t: ImageType) -> bool {
        match self {
            Self::Favicon => matches!(t, ImageType::Png | ImageType::Ico),
            Self::Logo | Self::SideImage => {
                matches!(t, ImageType::Png | ImageType::Jpeg | ImageType::Webp)
            }
        }
    }

    /// What the field accepts, in words.
    pub fn accepted(self) -> &'static str {
        match self {
            Self::Favicon => "a PNG or ICO image",
            Self::Logo | Self::SideImage => "a PNG, JPEG or WebP image",
        }
    }
}

/// The image formats a theme may use, recognised by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageType {
    Png,
    Jpeg,
    Webp,
    Ico,
}

impl ImageType {
    /// Reads the format from the file's signature.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Self::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if bytes.len() >= 6 && bytes[..4] == [0, 0, 1, 0] && bytes[4..6] != [0, 0] {
            Some(Self::Ico)
        } else {
            None
        }
    }

    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "png" => Some(Self::Png),
            "jpg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            "ico" => Some(Self::Ico),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
            Self::Ico => "ico",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Ico => "image/x-icon",
        }
    }

    /// Whether a browser's declared type names this format (browsers disagree on ICO).
    fn declared_as(self, declared: &str) -> bool {
        let declared = declared.trim().to_ascii_lowercase();
        match self {
            Self::Png => declared == "image/png",
            Self::Jpeg => declared == "image/jpeg" || declared == "image/jpg",
            Self::Webp => declared == "image/webp",
            Self::Ico => matches!(
                declared.as_str(),
                "image/x-icon" | "image/vnd.microsoft.icon" | "image/ico" | "image/icon"
            ),
        }
    }
}

/// A stored image's name: `<sha256 hex>.<extension>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AssetName(String);

impl AssetName {
    pub fn parse(value: &str) -> Option<Self> {
        let (hash, ext) = value.split_once('.')?;
        let ok = hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && ImageType::from_extension(ext).is_some();
        ok.then(|| Self(value.to_string()))
    }

    pub fn sha256(&self) -> &str {
        &self.0[..64]
    }

    pub fn image_type(&self) -> ImageType {
        ImageType::from_extension(&self.0[65..]).unwrap_or(ImageType::Png)
    }

    /// The path the image is served at, on the tenant's own host.
    pub fn url(&self) -> String {
        format!("/branding/assets/{}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AssetName {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        AssetName::parse(&value).ok_or("not an asset name")
    }
}

impl From<AssetName> for String {
    fn from(a: AssetName) -> String {
        a.0
    }
}

/// Why an upload was refused; the message is written for the brand manager.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    #[error("choose a file to upload")]
    Empty,
    #[error("the file is larger than {} KiB", max / 1024)]
    TooLarge { max: usize },
    #[error("the file is not {accepted}")]
    WrongType { accepted: &'static str },
    #[error("the file's contents are not the {declared} it claims to be")]
    Mismatch { declared: String },
}

/// Checks an upload of `kind`: its size, and that its bytes are a format the kind
/// accepts and the one the browser declared. Its name when it passes.
pub fn check_upload(
    kind: AssetKind,
    declared_type: Option<&str>,
    bytes: &[u8],
) -> Result<(AssetName, ImageType), AssetError> {
    if bytes.is_empty() {
        return Err(AssetError::Empty);
    }
    if bytes.len() > kind.max_bytes() {
        return Err(AssetError::TooLarge {
            max: kind.max_bytes(),
        });
    }
    let accepted = kind.accepted();
    let sniffed = ImageType::sniff(bytes).ok_or(AssetError::WrongType { accepted })?;
    if !kind.accepts(sniffed) {
        return Err(AssetError::WrongType { accepted });
    }
    if let Some(declared) =
        declared_type.filter(|d| !d.is_empty() && *d != "application/octet-stream")
        && !sniffed.declared_as(declared)
    {
        return Err(AssetError::Mismatch {
            declared: declared.to_string(),
        });
    }
    let name = AssetName(format!("{}.{}", sha256_hex(bytes), sniffed.extension()));
    Ok((name, sniffed))
}

/// Why a stored image could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Refused(#[from] AssetError),
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

impl crate::Engine {
    /// Checks and keeps an image for the tenant's themes (audited). It is not shown
    /// anywhere until a theme version names it.
    pub async fn store_theme_asset(
        &self,
        tenant: &crate::tenants::Tenant,
        actor: crate::UserId,
        client: &crate::audit::ClientInfo,
        kind: AssetKind,
        declared_type: Option<&str>,
        bytes: &[u8],
    ) -> Result<AssetName, UploadError> {
        let (name, image) = check_upload(kind, declared_type, bytes)?;
        let now = self.now();
        let tx = self.db().begin().await?;
        crate::store::tenants::insert_asset(
            &tx,
            tenant.id,
            name.sha256(),
            image.mime(),
            bytes,
            Some(actor),
            now,
        )
        .await?;
        crate::store::audit::insert(
            &tx,
            now,
            &crate::audit::AuditEvent::new(tenant.id, "theme.asset_uploaded", client)
                .actor(actor)
                .label("kind", kind.field())
                .label("asset", name.as_str())
                .label("bytes", bytes.len()),
        )
        .await?;
        tx.commit().await.map_err(crate::StoreError::from)?;
        Ok(name)
    }

    /// A tenant's stored image: its content type and bytes. Another tenant's image of
    /// the same hash is not this tenant's.
    pub async fn theme_asset(
        &self,
        tenant: crate::TenantId,
        name: &AssetName,
    ) -> Result<Option<(&'static str, Vec<u8>)>, crate::StoreError> {
        let found =
            crate::store::tenants::find_asset(self.db().conn(), tenant, name.sha256()).await?;
        Ok(found.map(|(_, bytes)| (name.image_type().mime(), bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn formats_are_read_from_the_bytes() {
        assert_eq!(ImageType::sniff(PNG), Some(ImageType::Png));
        assert_eq!(
            ImageType::sniff(&[0xff, 0xd8, 0xff, 0xe0]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(
            ImageType::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageType::Webp)
        );
        assert_eq!(ImageType::sniff(&[0, 0, 1, 0, 1, 0]), Some(ImageType::Ico));
        assert_eq!(
            ImageType::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"),
            None
        );
        assert_eq!(ImageType::sniff(b"GIF89a"), None);
    }

    #[test]
    fn uploads_are_checked_by_kind_size_and_declared_type() {
        let (name, t) = check_upload(AssetKind::Logo, Some("image/png"), PNG).unwrap();
        assert_eq!(t, ImageType::Png);
        assert!(name.as_str().ends_with(".png") && name.sha256().len() == 64);
        assert_eq!(AssetName::parse(name.as_str()), Some(name.clone()));
        assert_eq!(
            check_upload(AssetKind::Logo, None, b""),
            Err(AssetError::Empty)
        );
        assert!(matches!(
            check_upload(
                AssetKind::Logo,
                Some("image/svg+xml"),
                b"<svg onload=alert(1)>"
            ),
            Err(AssetError::WrongType { .. })
        ));
        assert!(matches!(
            check_upload(AssetKind::Logo, Some("image/jpeg"), PNG),
            Err(AssetError::Mismatch { .. })
        ));
        assert!(matches!(
            check_upload(AssetKind::Favicon, None, &[0xff, 0xd8, 0xff, 0xe0]),
            Err(AssetError::WrongType { .. })
        ));
        let mut big = PNG.to_vec();
        big.resize(AssetKind::Logo.max_bytes() + 1, 0);
        assert_eq!(
            check_upload(AssetKind::Logo, Some("image/png"), &big),
            Err(AssetError::TooLarge { max: 512 * 1024 })
        );
    }

    #[test]
    fn asset_names_are_strict() {
        let hash = "a".repeat(64);
        assert!(AssetName::parse(&format!("{hash}.png")).is_some());
        for bad in [
            format!("{hash}.svg"),
            format!("{}.png", "A".repeat(64)),
            format!("{}.png", "a".repeat(63)),
            format!("../{hash}.png"),
            "x.png".to_string(),
        ] {
            assert!(AssetName::parse(&bad).is_none(), "{bad} accepted");
        }
    }
}
