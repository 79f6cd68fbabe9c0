//! The parameters Ingenico covers by its signatures (eopayment's copy of the bank's lists).

use polypay_core::BankData;

/// Parameters signed in requests (SHA-IN). `NAME*XX*` stands for `NAME` followed by digits.
pub(crate) const SHA_IN: &[&str] = &[
    "ACCEPTANCE",
    "ACCEPTURL",
    "ADDMATCH",
    "ADDRMATCH",
    "AIACTIONNUMBER",
    "AIAGIATA",
    "AIAIRNAME",
    "AIAIRTAX",
    "AIBOOKIND*XX*",
    "AICARRIER*XX*",
    "AICHDET",
    "AICLASS*XX*",
    "AICONJTI",
    "AIDEPTCODE",
    "AIDESTCITY*XX*",
    "AIDESTCITYL*XX*",
    "AIEXTRAPASNAME*XX*",
    "AIEYCD",
    "AIFLDATE*XX*",
    "AIFLNUM*XX*",
    "AIGLNUM",
    "AIINVOICE",
    "AIIRST",
    "AIORCITY*XX*",
    "AIORCITYL*XX*",
    "AIPASNAME",
    "AIPROJNUM",
    "AISTOPOV*XX*",
    "AITIDATE",
    "AITINUM",
    "AITINUML*XX*",
    "AITYPCH",
    "AIVATAMNT",
    "AIVATAPPL",
    "ALIAS",
    "ALIASOPERATION",
    "ALIASPERSISTEDAFTERUSE",
    "ALIASUSAGE",
    "ALLOWCORRECTION",
    "AMOUNT",
    "AMOUNT*XX*",
    "AMOUNTHTVA",
    "AMOUNTTVA",
    "ARP_TRN",
    "BACKURL",
    "BATCHID",
    "BGCOLOR",
    "BIC",
    "BIN",
    "BLVERNUM",
    "BRAND",
    "BRANDVISUAL",
    "BUTTONBGCOLOR",
    "BUTTONTXTCOLOR",
    "CANCELURL",
    "CARDNO",
    "CATALOGURL",
    "CAVVALGORITHM_3D",
    "CAVV_3D",
    "CERTID",
    "CHECK_AAV",
    "CIVILITY",
    "CN",
    "COM",
    "COMPLUS",
    "CONVCCY",
    "COSTCENTER",
    "COSTCODE",
    "CREDITCODE",
    "CREDITDEBIT",
    "CUID",
    "CURRENCY",
    "CVC",
    "CVCFLAG",
    "DATA",
    "DATATYPE",
    "DATEIN",
    "DATEOUT",
    "DBXML",
    "DCC_COMMPERC",
    "DCC_CONVAMOUNT",
    "DCC_CONVCCY",
    "DCC_EXCHRATE",
    "DCC_EXCHRATETS",
    "DCC_INDICATOR",
    "DCC_MARGINPERC",
    "DCC_REF",
    "DCC_SOURCE",
    "DCC_VALID",
    "DECLINEURL",
    "DELIVERYDATE",
    "DEVICE",
    "DISCOUNTRATE",
    "DISPLAYMODE",
    "ECI",
    "ECI_3D",
    "ECOM_BILLTO_COMPANY",
    "ECOM_BILLTO_POSTAL_CITY",
    "ECOM_BILLTO_POSTAL_COUNTRYCODE",
    "ECOM_BILLTO_POSTAL_COUNTY",
    "ECOM_BILLTO_POSTAL_NAME_FIRST",
    "ECOM_BILLTO_POSTAL_NAME_LAST",
    "ECOM_BILLTO_POSTAL_NAME_PREFIX",
    "ECOM_BILLTO_POSTAL_POSTALCODE",
    "ECOM_BILLTO_POSTAL_STREET_LINE1",
    "ECOM_BILLTO_POSTAL_STREET_LINE2",
    "ECOM_BILLTO_POSTAL_STREET_LINE3",
    "ECOM_BILLTO_POSTAL_STREET_NUMBER",
    "ECOM_BILLTO_TELECOM_MOBILE_NUMBER",
    "ECOM_BILLTO_TELECOM_PHONE_NUMBER",
    "ECOM_CONSUMERID",
    "ECOM_CONSUMEROGID",
    "ECOM_CONSUMERORDERID",
    "ECOM_CONSUMERUSERALIAS",
    "ECOM_CONSUMERUSERID",
    "ECOM_CONSUMERUSERPWD",
    "ECOM_CONSUMER_GENDER",
    "ECOM_ESTIMATEDDELIVERYDATE",
    "ECOM_ESTIMATEDELIVERYDATE",
    "ECOM_PAYMENT_CARD_EXPDATE_MONTH",
    "ECOM_PAYMENT_CARD_EXPDATE_YEAR",
    "ECOM_PAYMENT_CARD_NAME",
    "ECOM_PAYMENT_CARD_VERIFICATION",
    "ECOM_SHIPMETHOD",
    "ECOM_SHIPMETHODDETAILS",
    "ECOM_SHIPMETHODSPEED",
    "ECOM_SHIPMETHODTYPE",
    "ECOM_SHIPTO_COMPANY",
    "ECOM_SHIPTO_DOB",
    "ECOM_SHIPTO_ONLINE_EMAIL",
    "ECOM_SHIPTO_POSTAL_CITY",
    "ECOM_SHIPTO_POSTAL_COUNTRYCODE",
    "ECOM_SHIPTO_POSTAL_COUNTY",
    "ECOM_SHIPTO_POSTAL_NAME_FIRST",
    "ECOM_SHIPTO_POSTAL_NAME_LAST",
    "ECOM_SHIPTO_POSTAL_NAME_PREFIX",
    "ECOM_SHIPTO_POSTAL_POSTALCODE",
    "ECOM_SHIPTO_POSTAL_STATE",
    "ECOM_SHIPTO_POSTAL_STREET_LINE1",
    "ECOM_SHIPTO_POSTAL_STREET_LINE2",
    "ECOM_SHIPTO_POSTAL_STREET_NUMBER",
    "ECOM_SHIPTO_TELECOM_FAX_NUMBER",
    "ECOM_SHIPTO_TELECOM_MOBILE_NUMBER",
    "ECOM_SHIPTO_TELECOM_PHONE_NUMBER",
    "ECOM_SHIPTO_TVA",
    "ED",
    "EMAIL",
    "EXCEPTIONURL",
    "EXCLPMLIST",
    "EXECUTIONDATE*XX*",
    "FACEXCL*XX*",
    "FACTOTAL*XX*",
    "FIRSTCALL",
    "FLAG3D",
    "FONTTYPE",
    "FORCECODE1",
    "FORCECODE2",
    "FORCECODEHASH",
    "FORCEPROCESS",
    "FORCETP",
    "FP_ACTIV",
    "GENERIC_BL",
    "GIROPAY_ACCOUNT_NUMBER",
    "GIROPAY_BLZ",
    "GIROPAY_OWNER_NAME",
    "GLOBORDERID",
    "GUID",
    "HDFONTTYPE",
    "HDTBLBGCOLOR",
    "HDTBLTXTCOLOR",
    "HEIGHTFRAME",
    "HOMEURL",
    "HTTP_ACCEPT",
    "HTTP_USER_AGENT",
    "INCLUDE_BIN",
    "INCLUDE_COUNTRIES",
    "INITIAL_REC_TRN",
    "INVDATE",
    "INVDISCOUNT",
    "INVLEVEL",
    "INVORDERID",
    "ISSUERID",
    "IST_MOBILE",
    "ITEMATTRIBUTES*XX*",
    "ITEMCATEGORY*XX*",
    "ITEMCOMMENTS*XX*",
    "ITEMDESC*XX*",
    "ITEMDISCOUNT*XX*",
    "ITEMFDMPRODUCTCATEG*XX*",
    "ITEMID*XX*",
    "ITEMNAME*XX*",
    "ITEMPRICE*XX*",
    "ITEMQUANT*XX*",
    "ITEMQUANTORIG*XX*",
    "ITEMUNITOFMEASURE*XX*",
    "ITEMVAT*XX*",
    "ITEMVATCODE*XX*",
    "ITEMWEIGHT*XX*",
    "ITEM_COUNT",
    "LANGUAGE",
    "LEVEL1AUTHCPC",
    "LIDEXCL*XX*",
    "LIMITCLIENTSCRIPTUSAGE",
    "LINE_REF",
    "LINE_REF1",
    "LINE_REF2",
    "LINE_REF3",
    "LINE_REF4",
    "LINE_REF5",
    "LINE_REF6",
    "LIST_BIN",
    "LIST_COUNTRIES",
    "LOGO",
    "MANDATEID",
    "MAXITEMQUANT*XX*",
    "MERCHANTID",
    "MODE",
    "MTIME",
    "MVER",
    "NETAMOUNT",
    "OPERATION",
    "ORDERID",
    "ORDERSHIPCOST",
    "ORDERSHIPMETH",
    "ORDERSHIPTAX",
    "ORDERSHIPTAXCODE",
    "ORIG",
    "OR_INVORDERID",
    "OR_ORDERID",
    "OWNERADDRESS",
    "OWNERADDRESS2",
    "OWNERCTY",
    "OWNERTELNO",
    "OWNERTELNO2",
    "OWNERTOWN",
    "OWNERZIP",
    "PAIDAMOUNT",
    "PARAMPLUS",
    "PARAMVAR",
    "PAYID",
    "PAYMETHOD",
    "PM",
    "PMLIST",
    "PMLISTPMLISTTYPE",
    "PMLISTTYPE",
    "PMLISTTYPEPMLIST",
    "PMTYPE",
    "POPUP",
    "POST",
    "PSPID",
    "PSWD",
    "RECIPIENTACCOUNTNUMBER",
    "RECIPIENTDOB",
    "RECIPIENTLASTNAME",
    "RECIPIENTZIP",
    "REF",
    "REFER",
    "REFID",
    "REFKIND",
    "REF_CUSTOMERID",
    "REF_CUSTOMERREF",
    "REGISTRED",
    "REMOTE_ADDR",
    "REQGENFIELDS",
    "RNPOFFERT",
    "RTIMEOUT",
    "RTIMEOUTREQUESTEDTIMEOUT",
    "SCORINGCLIENT",
    "SEQUENCETYPE",
    "SETT_BATCH",
    "SID",
    "SIGNDATE",
    "STATUS_3D",
    "SUBSCRIPTION_ID",
    "SUB_AM",
    "SUB_AMOUNT",
    "SUB_COM",
    "SUB_COMMENT",
    "SUB_CUR",
    "SUB_ENDDATE",
    "SUB_ORDERID",
    "SUB_PERIOD_MOMENT",
    "SUB_PERIOD_MOMENT_M",
    "SUB_PERIOD_MOMENT_WW",
    "SUB_PERIOD_NUMBER",
    "SUB_PERIOD_NUMBER_D",
    "SUB_PERIOD_NUMBER_M",
    "SUB_PERIOD_NUMBER_WW",
    "SUB_PERIOD_UNIT",
    "SUB_STARTDATE",
    "SUB_STATUS",
    "TAAL",
    "TAXINCLUDED*XX*",
    "TBLBGCOLOR",
    "TBLTXTCOLOR",
    "TID",
    "TITLE",
    "TOTALAMOUNT",
    "TP",
    "TRACK2",
    "TXSHIPPING",
    "TXSHIPPINGLOCATIONPROFILE",
    "TXTBADDR2",
    "TXTCOLOR",
    "TXTOKEN",
    "TXTOKENTXTOKENPAYPAL",
    "TXURL",
    "TXVERIFIER",
    "TYPE_COUNTRY",
    "UCAF_AUTHENTICATION_DATA",
    "UCAF_PAYMENT_CARD_CVC2",
    "UCAF_PAYMENT_CARD_EXPDATE_MONTH",
    "UCAF_PAYMENT_CARD_EXPDATE_YEAR",
    "UCAF_PAYMENT_CARD_NUMBER",
    "USERID",
    "USERTYPE",
    "VERSION",
    "WBTU_MSISDN",
    "WBTU_ORDERID",
    "WEIGHTUNIT",
    "WIN3DS",
    "WITHROOT",
    "XDL",
];

/// Parameters signed in returns (SHA-OUT).
pub(crate) const SHA_OUT: &[&str] = &[
    "AAVADDRESS",
    "AAVCHECK",
    "AAVMAIL",
    "AAVNAME",
    "AAVPHONE",
    "AAVZIP",
    "ACCEPTANCE",
    "ALIAS",
    "AMOUNT",
    "BIC",
    "BIN",
    "BRAND",
    "CARDNO",
    "CCCTY",
    "CN",
    "COLLECTOR_BIC",
    "COLLECTOR_IBAN",
    "COMPLUS",
    "CREATION_STATUS",
    "CREDITDEBIT",
    "CURRENCY",
    "CVCCHECK",
    "DCC_COMMPERCENTAGE",
    "DCC_CONVAMOUNT",
    "DCC_CONVCCY",
    "DCC_EXCHRATE",
    "DCC_EXCHRATESOURCE",
    "DCC_EXCHRATETS",
    "DCC_INDICATOR",
    "DCC_MARGINPERCENTAGE",
    "DCC_VALIDHOURS",
    "DEVICEID",
    "DIGESTCARDNO",
    "ECI",
    "ED",
    "EMAIL",
    "ENCCARDNO",
    "FXAMOUNT",
    "FXCURRENCY",
    "IP",
    "IPCTY",
    "MANDATEID",
    "MOBILEMODE",
    "NBREMAILUSAGE",
    "NBRIPUSAGE",
    "NBRIPUSAGE_ALLTX",
    "NBRUSAGE",
    "NCERROR",
    "ORDERID",
    "PAYID",
    "PAYIDSUB",
    "PAYMENT_REFERENCE",
    "PM",
    "SCORING",
    "SCO_CATEGORY",
    "SEQUENCETYPE",
    "SIGNDATE",
    "STATUS",
    "SUBBRAND",
    "SUBSCRIPTION_ID",
    "TRXDATE",
    "VC",
];

/// A list of signed parameters with two hash indexes built at compile time (one for the exact
/// entries, one for the stems of the `NAME*XX*` entries): [`listed`] runs for every field of
/// every request and return, and costs one hash and about one comparison this way.
#[derive(Debug)]
pub(crate) struct List {
    entries: &'static [&'static str],
    exact: &'static [Slot],
    stems: &'static [Slot],
}

/// A slot of an index: the key's length and its first and last eight bytes (which, for keys
/// of up to 16 bytes, are the whole key: compared as integers, without reading the entry),
/// and the entry's place in the list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    len: usize,
    words: (u64, u64),
    entry: u16,
}

/// The parameters signed in requests.
pub(crate) static SHA_IN_LIST: List = List {
    entries: SHA_IN,
    exact: &index::<1024>(SHA_IN, false),
    stems: &index::<128>(SHA_IN, true),
};

/// The parameters signed in returns.
pub(crate) static SHA_OUT_LIST: List = List {
    entries: SHA_OUT,
    exact: &index::<256>(SHA_OUT, false),
    stems: &index::<4>(SHA_OUT, true),
};

/// An empty slot of an index.
const EMPTY: Slot = Slot {
    len: usize::MAX,
    words: (0, 0),
    entry: 0,
};

/// The `NAME*XX*` marker.
const STEM_MARK: &[u8] = b"*XX*";

/// The key an entry is indexed under: the stem of a `NAME*XX*` entry (in the stem index), or
/// the entry itself (in the exact index); `None` when it belongs to the other index.
const fn key_of(entry: &[u8], stems: bool) -> Option<&[u8]> {
    let n = entry.len();
    let marked = n >= 4
        && entry[n - 4] == STEM_MARK[0]
        && entry[n - 3] == STEM_MARK[1]
        && entry[n - 2] == STEM_MARK[2]
        && entry[n - 1] == STEM_MARK[3];
    match (marked, stems) {
        (true, true) => Some(entry.split_at(n - 4).0),
        (false, false) => Some(entry),
        _ => None,
    }
}

/// A key's first and last eight bytes ([`BankData::name_words`]): with its length, what a
/// key is hashed by (hashing every byte cost more than the rest of a lookup) and, up to 16
/// bytes, the whole key. Usable in constants, so that the indexes are built at compile time
/// with it.
const fn words(key: &[u8]) -> (u64, u64) {
    BankData::name_words(key)
}

/// The hash of a key of length `len` from its [`words`], mixed by one multiplication.
const fn hash(len: usize, (head, tail): (u64, u64)) -> u64 {
    let mixed = (head ^ tail.rotate_left(29) ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // The high bits are the best mixed.
    mixed >> 32
}

/// An open-addressing index of the entries of `list` of one kind (at most half full; `N` a
/// power of two, so that a slot is a mask away from the hash).
const fn index<const N: usize>(list: &[&str], stems: bool) -> [Slot; N] {
    assert!(N.is_power_of_two(), "index size");
    let mut table = [EMPTY; N];
    let (mut k, mut used) = (0, 0);
    while k < list.len() {
        if let Some(key) = key_of(list[k].as_bytes(), stems) {
            let words = words(key);
            let mut slot = hash(key.len(), words) as usize & (N - 1);
            while table[slot].len != EMPTY.len {
                slot = (slot + 1) & (N - 1);
            }
            table[slot] = Slot {
                len: key.len(),
                words,
                entry: k as u16,
            };
            used += 1;
        }
        k += 1;
    }
    assert!(2 * used <= N, "index too small");
    table
}

/// The place in the list of the entry `key` is indexed under in `table`.
fn find(list: &List, table: &[Slot], key: &[u8], stems: bool) -> Option<u16> {
    let words = words(key);
    // Tables are built with a power-of-two size (`index`).
    let mask = table.len().wrapping_sub(1);
    let mut slot = hash(key.len(), words) as usize & mask;
    while let Some(s) = table.get(slot) {
        if s.len == EMPTY.len {
            return None;
        }
        if s.len == key.len()
            && s.words == words
            && (key.len() <= 16
                || list
                    .entries
                    .get(usize::from(s.entry))
                    .and_then(|e| key_of(e.as_bytes(), stems))
                    == Some(key))
        {
            return Some(s.entry);
        }
        slot = (slot + 1) & mask;
    }
    None
}

/// Whether `name` (upper case) is covered by `list`: an entry equal to it, or a `NAME*XX*`
/// entry with `name` = `NAME` followed by one or more digits (D13: eopayment matches those
/// entries literally and never signs them).
pub(crate) fn listed(list: &List, name: &str) -> bool {
    if find(list, list.exact, name.as_bytes(), false).is_some() {
        return true;
    }
    // No stem of either list ends with a digit (tested), so the stem is `name` without its
    // trailing digits.
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    stem.len() < name.len() && find(list, list.stems, stem.as_bytes(), true).is_some()
}

/// The place in [`SHA_OUT`] of `name` (upper case), if it is signed in returns. `SHA_OUT` is
/// sorted, has no `NAME*XX*` entry and fits a 64-bit mask (all checked at compile time): a
/// field's place in the list is its place in the SHA-OUT string, so that the string is built
/// from a mask of places instead of sorting the fields.
pub(crate) fn sha_out_place(name: &str) -> Option<u32> {
    find(&SHA_OUT_LIST, SHA_OUT_LIST.exact, name.as_bytes(), false).map(u32::from)
}

/// `SHA_OUT`'s shape, as [`sha_out_place`] relies on it.
const _: () = {
    assert!(SHA_OUT.len() <= 64, "SHA_OUT fits a 64-bit mask");
    let mut k = 0;
    while k < SHA_OUT.len() {
        let entry = SHA_OUT[k].as_bytes();
        assert!(
            key_of(entry, true).is_none(),
            "no NAME*XX* entry in SHA_OUT"
        );
        if k > 0 {
            // Strictly increasing, byte by byte.
            let prev = SHA_OUT[k - 1].as_bytes();
            let mut i = 0;
            while i < prev.len() && i < entry.len() && prev[i] == entry[i] {
                i += 1;
            }
            assert!(
                (i == prev.len() && i < entry.len())
                    || (i < prev.len() && i < entry.len() && prev[i] < entry[i]),
                "SHA_OUT is sorted"
            );
        }
        k += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(SHA_IN.len(), 323);
        assert_eq!(SHA_OUT.len(), 62);
        assert!(listed(&SHA_IN_LIST, "ITEMNAME1"));
        assert!(listed(&SHA_IN_LIST, "ITEMNAME12"));
        assert!(!listed(&SHA_IN_LIST, "ITEMNAME"));
        assert!(!listed(&SHA_IN_LIST, "ITEMNAMEX"));
        assert!(listed(&SHA_IN_LIST, "AMOUNT"));
        assert!(listed(&SHA_IN_LIST, "AMOUNT3"));
        assert!(listed(&SHA_OUT_LIST, "NCERROR"));
        assert!(!listed(&SHA_OUT_LIST, "SHASIGN"));
    }

    /// The scan the indexes replace: it is the definition.
    fn listed_by_scan(list: &[&str], name: &str) -> bool {
        list.iter().any(|entry| match entry.strip_suffix("*XX*") {
            Some(stem) => name
                .strip_prefix(stem)
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())),
            None => *entry == name,
        })
    }

    #[test]
    fn indexes_agree_with_the_scan() {
        for list in [SHA_IN, SHA_OUT] {
            for entry in list {
                if let Some(stem) = entry.strip_suffix("*XX*") {
                    assert!(!stem.ends_with(|c: char| c.is_ascii_digit()), "{entry}");
                }
            }
        }
        let mut names: Vec<String> = Vec::new();
        for entry in SHA_IN.iter().chain(SHA_OUT) {
            let stem = entry.trim_end_matches("*XX*");
            for suffix in ["", "0", "7", "12", "X", "1X", "*XX*", "*XX*1", "A", "a"] {
                names.push(format!("{stem}{suffix}"));
                names.push(format!("{entry}{suffix}"));
            }
            names.push(stem[..stem.len() / 2].to_owned());
        }
        names.extend(["", "1", "*XX*", "ZZZZ", "AAAA", "AMOUNT*XX*"].map(String::from));
        for (list, entries) in [(&SHA_IN_LIST, SHA_IN), (&SHA_OUT_LIST, SHA_OUT)] {
            for n in &names {
                assert_eq!(listed(list, n), listed_by_scan(entries, n), "{n}");
            }
        }
    }
}
