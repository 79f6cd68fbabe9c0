//! The merchant's BIP84 account public key ([`AccountKey`]) and the receive addresses derived
//! from it, with rust-bitcoin (BIP32 derivation over libsecp256k1, bech32 encoding).
//!
//! Extended keys carry 4 version bytes naming their network and, for SLIP-132 prefixes,
//! their script type. polypay accepts the BIP84 prefixes `zpub` (mainnet) and `vpub`
//! (testnet, signet, regtest) and the generic `xpub` / `tpub` (taken as BIP84 accounts); the
//! payload is the same, so a `zpub` is read by swapping its version bytes for `xpub`'s. Private
//! keys are refused: the server only ever needs the account's public key.

use std::sync::LazyLock;

use bitcoin::bip32::{ChildNumber, Xpub};
use bitcoin::key::CompressedPublicKey;
use bitcoin::secp256k1::{Secp256k1, VerifyOnly};
use bitcoin::{Address, KnownHrp, NetworkKind};

use super::config::Network;

/// One verification context for every derivation (building one costs far more than using it).
static SECP: LazyLock<Secp256k1<VerifyOnly>> = LazyLock::new(Secp256k1::verification_only);

/// The largest address index (BIP32 non-hardened children are 0 to 2³¹ − 1).
pub const MAX_ADDRESS_INDEX: u32 = (1 << 31) - 1;

/// What an extended key's version bytes say.
struct Version {
    prefix: &'static str,
    bytes: [u8; 4],
    private: bool,
    mainnet: bool,
    /// `None`: accepted (BIP84 or generic); `Some(why)`: refused.
    refused: Option<&'static str>,
}

const fn v(
    prefix: &'static str,
    bytes: [u8; 4],
    private: bool,
    mainnet: bool,
    refused: Option<&'static str>,
) -> Version {
    Version {
        prefix,
        bytes,
        private,
        mainnet,
        refused,
    }
}

const P2SH_SEGWIT: &str = "is a BIP49 (P2SH-wrapped segwit) key; polypay derives BIP84 native \
                           segwit addresses: export the account's zpub (vpub on test networks)";
const MULTISIG: &str = "is a multisig key (SLIP-132 Zpub/Vpub/Ypub/Upub); polypay derives \
                        single-key BIP84 addresses only";

/// BIP32, BIP49, BIP84 and SLIP-132 version bytes.
const VERSIONS: [Version; 16] = [
    v("xpub", [0x04, 0x88, 0xb2, 0x1e], false, true, None),
    v("xprv", [0x04, 0x88, 0xad, 0xe4], true, true, None),
    v("tpub", [0x04, 0x35, 0x87, 0xcf], false, false, None),
    v("tprv", [0x04, 0x35, 0x83, 0x94], true, false, None),
    v("zpub", [0x04, 0xb2, 0x47, 0x46], false, true, None),
    v("zprv", [0x04, 0xb2, 0x43, 0x0c], true, true, None),
    v("vpub", [0x04, 0x5f, 0x1c, 0xf6], false, false, None),
    v("vprv", [0x04, 0x5f, 0x18, 0xbc], true, false, None),
    v(
        "ypub",
        [0x04, 0x9d, 0x7c, 0xb2],
        false,
        true,
        Some(P2SH_SEGWIT),
    ),
    v(
        "yprv",
        [0x04, 0x9d, 0x78, 0x78],
        true,
        true,
        Some(P2SH_SEGWIT),
    ),
    v(
        "upub",
        [0x04, 0x4a, 0x52, 0x62],
        false,
        false,
        Some(P2SH_SEGWIT),
    ),
    v(
        "uprv",
        [0x04, 0x4a, 0x4e, 0x28],
        true,
        false,
        Some(P2SH_SEGWIT),
    ),
    v(
        "Zpub",
        [0x02, 0xaa, 0x7e, 0xd3],
        false,
        true,
        Some(MULTISIG),
    ),
    v(
        "Vpub",
        [0x02, 0x57, 0x54, 0x83],
        false,
        false,
        Some(MULTISIG),
    ),
    v(
        "Ypub",
        [0x02, 0x95, 0xb4, 0x3f],
        false,
        true,
        Some(MULTISIG),
    ),
    v(
        "Upub",
        [0x02, 0x42, 0x89, 0xef],
        false,
        false,
        Some(MULTISIG),
    ),
];

/// A BIP84 account public key (`m/84'/coin'/account'`) checked against its network, ready to
/// derive receive addresses `m/84'/coin'/account'/0/index`.
///
/// ```
/// use polypay_crypto::bitcoin::{AccountKey, Network};
///
/// // The BIP84 test vector's account 0.
/// let key = AccountKey::parse(
///     "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs",
///     Network::Mainnet,
/// )?;
/// assert_eq!(key.address(0)?, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
/// assert!(AccountKey::parse("zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE", Network::Mainnet).is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccountKey {
    /// The external (receive) chain `…/0`, derived once.
    receive: Xpub,
    /// The address prefix of the network.
    hrp: KnownHrp,
    /// The key as given (public data, but it reveals every address of the account).
    text: String,
}

impl std::fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An account key is not a secret but reveals the merchant's whole history: show a
        // prefix only.
        let shown: String = self.text.chars().take(12).collect();
        write!(f, "AccountKey({shown}…)")
    }
}

impl AccountKey {
    /// Reads an account key (`xpub`, `zpub`, `tpub` or `vpub`) for `network`. The error says
    /// what is wrong in words: a private key, a BIP49 or multisig key, the wrong network, a
    /// key that is not at the account level (depth 3), a mistyped key.
    pub fn parse(text: &str, network: Network) -> Result<AccountKey, String> {
        let text = text.trim();
        let data = bitcoin::base58::decode_check(text).map_err(|_| {
            "is not an extended public key (Base58Check: a character is wrong or missing)"
                .to_owned()
        })?;
        if data.len() != 78 {
            return Err(format!(
                "is not an extended key ({} bytes instead of 78)",
                data.len()
            ));
        }
        let version = VERSIONS
            .iter()
            .find(|v| data[..4] == v.bytes)
            .ok_or_else(|| {
                "has unknown version bytes (expected xpub, zpub, tpub or vpub)".to_owned()
            })?;
        if version.private {
            return Err(format!(
                "is a private key ({}): never give polypay a private key; export the account's \
                 public key ({}) from the wallet",
                version.prefix,
                if version.mainnet { "zpub" } else { "vpub" }
            ));
        }
        if let Some(why) = version.refused {
            return Err(format!("{} {why}", version.prefix));
        }
        if version.mainnet != (network == Network::Mainnet) {
            return Err(format!(
                "is a {} key ({}) but network is {network}",
                if version.mainnet {
                    "mainnet"
                } else {
                    "test-network"
                },
                version.prefix
            ));
        }
        // The payload is the same for every version: read it as the generic xpub/tpub.
        let mut generic = [0u8; 78];
        generic.copy_from_slice(&data);
        generic[..4].copy_from_slice(if version.mainnet {
            &VERSIONS[0].bytes
        } else {
            &VERSIONS[2].bytes
        });
        let account = Xpub::decode(&generic).map_err(|e| format!("is not a valid key: {e}"))?;
        if account.depth != 3 {
            return Err(format!(
                "is at depth {} but must be a BIP84 account key (depth 3, m/84'/{}'/0'): export \
                 the account's public key from the wallet",
                account.depth,
                if version.mainnet { 0 } else { 1 }
            ));
        }
        let expected_kind = if version.mainnet {
            NetworkKind::Main
        } else {
            NetworkKind::Test
        };
        debug_assert_eq!(account.network, expected_kind);
        let receive = account
            .ckd_pub(&SECP, ChildNumber::Normal { index: 0 })
            .map_err(|e| format!("cannot derive the receive chain: {e}"))?;
        Ok(AccountKey {
            receive,
            hrp: KnownHrp::from(bitcoin::Network::from(network)),
            text: text.to_owned(),
        })
    }

    /// The key as configured.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The receive address at `index` (`m/84'/coin'/account'/0/index`), bech32 P2WPKH.
    pub fn address(&self, index: u32) -> Result<String, String> {
        Ok(self.derive(index)?.to_string())
    }

    /// The receive address at `index` as a rust-bitcoin [`Address`].
    pub fn derive(&self, index: u32) -> Result<Address, String> {
        if index > MAX_ADDRESS_INDEX {
            return Err(format!(
                "address index {index} is out of range (0 to {MAX_ADDRESS_INDEX})"
            ));
        }
        let child = self
            .receive
            .ckd_pub(&SECP, ChildNumber::Normal { index })
            // Happens for about one index in 2¹²⁷: BIP32 says to skip it.
            .map_err(|e| format!("address index {index} has no key ({e}): use the next index"))?;
        Ok(Address::p2wpkh(
            &CompressedPublicKey(child.public_key),
            self.hrp,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BIP84's account 0 (mainnet) and bip_utils' testnet account 0, and the same keys with
    /// generic version bytes.
    const ZPUB: &str = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
    const XPUB: &str = "xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V";
    const VPUB: &str = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc";
    const TPUB: &str = "tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9DsP4zbQ1M";

    #[test]
    fn bip84_mainnet_vectors() {
        for key in [ZPUB, XPUB] {
            let k = AccountKey::parse(key, Network::Mainnet).unwrap();
            assert_eq!(
                k.address(0).unwrap(),
                "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
            );
            assert_eq!(
                k.address(1).unwrap(),
                "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
            );
        }
        // The first change address m/84'/0'/0'/1/0, derived here from the account key
        // directly (polypay itself only hands out receive addresses).
        let account = Xpub::decode(&bitcoin::base58::decode_check(XPUB).unwrap()).unwrap();
        let change = account
            .derive_pub(
                &SECP,
                &[
                    ChildNumber::Normal { index: 1 },
                    ChildNumber::Normal { index: 0 },
                ],
            )
            .unwrap();
        assert_eq!(
            change.public_key.to_string(),
            "03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6"
        );
        assert_eq!(
            Address::p2wpkh(&CompressedPublicKey(change.public_key), KnownHrp::Mainnet).to_string(),
            "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"
        );
        let first = AccountKey::parse(ZPUB, Network::Mainnet).unwrap();
        let pk = first
            .receive
            .ckd_pub(&SECP, ChildNumber::Normal { index: 0 })
            .unwrap();
        assert_eq!(
            pk.public_key.to_string(),
            "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c"
        );
    }

    #[test]
    fn bip84_testnet_vectors() {
        let expected = [
            "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl",
            "tb1qd7spv5q28348xl4myc8zmh983w5jx32cjhkn97",
            "tb1qxdyjf6h5d6qxap4n2dap97q4j5ps6ua8sll0ct",
            "tb1qynpgs6wap6h9uvy7j0xlesew2w82qn038zm5km",
            "tb1q677973lw0w796gttpy52f296jqaaksz0555pg2",
        ];
        for key in [VPUB, TPUB] {
            for network in [Network::Testnet, Network::Signet] {
                let k = AccountKey::parse(key, network).unwrap();
                for (i, want) in expected.iter().enumerate() {
                    assert_eq!(&k.address(i as u32).unwrap(), want);
                }
            }
        }
        // Regtest: same key, `bcrt` prefix.
        let k = AccountKey::parse(VPUB, Network::Regtest).unwrap();
        assert!(k.address(0).unwrap().starts_with("bcrt1q"));
        // The chain key of the vector (m/84'/1'/0'/0).
        let chain = AccountKey::parse(VPUB, Network::Testnet).unwrap().receive;
        let mut enc = chain.encode();
        enc[..4].copy_from_slice(&VERSIONS[6].bytes);
        assert_eq!(
            bitcoin::base58::encode_check(&enc),
            "vpub5baxyhXRwCQ1N4KuQfdVSfnYahk6HDRCqDhQJjgSbxo8SzP5ghgHugxZuQ9TpfGC2oTBYdVi8thxMGhqjcVbNPMBNRKMX9x1PZW4LXNyq7q"
        );
    }

    #[test]
    fn refusals_say_why() {
        let cases = [
            (
                "zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE",
                Network::Mainnet,
                "private key",
            ),
            (
                "vprv9K7GLAaERuM58PVvbk1sMo7wzVCoPwzZpVXLRBmum93gL5pSqQCAAvZjtmz93nnnYMr9i2FwG2fqrwYLRgJmDDwFjGiamGsbRMJ5Y6siJ8H",
                Network::Testnet,
                "private key",
            ),
            // The BIP84 root key (depth 0).
            (
                "zpub6jftahH18ngZxLmXaKw3GSZzZsszmt9WqedkyZdezFtWRFBZqsQH5hyUmb4pCEeZGmVfQuP5bedXTB8is6fTv19U1GQRyQUKQGUTzyHACMF",
                Network::Mainnet,
                "depth 0",
            ),
            // The chain key m/84'/1'/0'/0 (depth 4).
            (
                "vpub5baxyhXRwCQ1N4KuQfdVSfnYahk6HDRCqDhQJjgSbxo8SzP5ghgHugxZuQ9TpfGC2oTBYdVi8thxMGhqjcVbNPMBNRKMX9x1PZW4LXNyq7q",
                Network::Testnet,
                "depth 4",
            ),
            (ZPUB, Network::Testnet, "mainnet key"),
            (VPUB, Network::Mainnet, "test-network key"),
            (TPUB, Network::Mainnet, "test-network key"),
            (
                "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYt",
                Network::Mainnet,
                "Base58Check",
            ),
            ("", Network::Mainnet, "not an extended"),
            (
                "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
                Network::Mainnet,
                "not an extended",
            ),
        ];
        for (key, network, why) in cases {
            let err = AccountKey::parse(key, network).unwrap_err();
            assert!(err.contains(why), "{key}: {err}");
            assert!(
                !err.contains(key) || key.is_empty(),
                "the key is not echoed: {err}"
            );
        }
        // A BIP49 ypub: the same payload with ypub's version bytes.
        let mut data = bitcoin::base58::decode_check(XPUB).unwrap();
        data[..4].copy_from_slice(&VERSIONS[8].bytes);
        let ypub = bitcoin::base58::encode_check(&data);
        assert!(
            AccountKey::parse(&ypub, Network::Mainnet)
                .unwrap_err()
                .contains("BIP49")
        );
    }

    #[test]
    fn index_range_and_debug() {
        let k = AccountKey::parse(ZPUB, Network::Mainnet).unwrap();
        assert!(k.address(MAX_ADDRESS_INDEX).is_ok());
        assert!(
            k.address(MAX_ADDRESS_INDEX + 1)
                .unwrap_err()
                .contains("out of range")
        );
        let shown = format!("{k:?}");
        assert!(
            shown.starts_with("AccountKey(zpub6rFR7y4Q") && !shown.contains(ZPUB),
            "{shown}"
        );
    }
}
