//! The self-custodial `bitcoin` backend (BIP84 addresses, BIP321 URIs, Esplora / Bitcoin Core).
