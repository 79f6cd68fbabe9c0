//! polypay
