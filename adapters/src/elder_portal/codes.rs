//! The code tables of `elder-portal.md`, entry for entry.

use crate::codes::CodeTable;

pub static GENDER: CodeTable = CodeTable {
    name_zh: "性别代码",
    name_en: "gender code",
    // 5 女改男 and 6 男改女 are read as the gender now held; outbound writes the four
    // base codes, which come first.
    entries: &[
        ("0", "UNKNOWN"),
        ("1", "MALE"),
        ("2", "FEMALE"),
        ("9", "UNSPECIFIED"),
        ("5", "MALE"),
        ("6", "FEMALE"),
    ],
};

pub static ID_TYPE: CodeTable = CodeTable {
    name_zh: "证件类型",
    name_en: "identity document type",
    entries: &[
        ("01", "RESIDENT_ID_CARD"),
        ("02", "PASSPORT"),
        ("03", "HK_MACAO_PERMIT"),
        ("04", "TAIWAN_PERMIT"),
        ("05", "FOREIGN_PERMANENT_RESIDENT"),
    ],
};

pub static LIVING_SITUATION: CodeTable = CodeTable {
    name_zh: "特殊困难类型",
    name_en: "living situation code",
    entries: &[
        ("01", "LIVING_ALONE"),
        ("02", "EMPTY_NEST"),
        ("03", "LEFT_BEHIND"),
        ("04", "DISABLED"),
        ("05", "SEVERE_DISABILITY"),
        ("06", "SPECIAL_FAMILY"),
        ("07", "ADVANCED_AGE"),
        ("08", "LOW_INCOME"),
    ],
};

pub static RELATION: CodeTable = CodeTable {
    name_zh: "关系代码",
    name_en: "relation code",
    entries: &[
        ("01", "SPOUSE"),
        ("02", "CHILD"),
        ("03", "RELATIVE"),
        ("04", "OTHER"),
    ],
};

pub static BASIC_RECIPIENT: CodeTable = CodeTable {
    name_zh: "基本养老服务对象标志",
    name_en: "basic service recipient flag",
    entries: &[("1", "true"), ("0", "false")],
};

pub static SENIOR_STATUS: CodeTable = CodeTable {
    name_zh: "状态",
    name_en: "status",
    entries: &[("1", "ACTIVE"), ("2", "INACTIVE"), ("3", "DECEASED")],
};

pub static SERVICE: CodeTable = CodeTable {
    name_zh: "服务项目代码",
    name_en: "portal service code",
    entries: &[
        ("ZC01", "MEAL_DELIVERY"),
        ("ZC02", "MEAL_DINE_IN"),
        ("ZJ01", "CLEANING_DAILY"),
        ("ZJ02", "CLEANING_DEEP"),
        ("ZJ03", "LAUNDRY"),
        ("ZY01", "BATHING_HOME"),
        ("ZYI01", "MEDICAL_ESCORT"),
        ("ZYI02", "MEDICATION_REMINDER"),
        ("ZX01", "MOBILITY_ESCORT"),
        ("XS01", "VISIT_CHECK"),
        ("XS02", "PHONE_CHECK"),
        ("PB01", "COMPANION"),
        ("SH01", "PERSONAL_CARE"),
        ("KF01", "REHAB_CARE"),
        ("CX01", "RESPITE_CARE"),
        ("PR01", "COOKING"),
        ("SL01", "HOME_ADAPTATION"),
    ],
};

pub static RECORD_STATUS: CodeTable = CodeTable {
    name_zh: "服务状态",
    name_en: "service status",
    entries: &[
        ("1", "SCHEDULED"),
        ("2", "IN_PROGRESS"),
        ("3", "COMPLETED"),
        ("4", "CANCELLED"),
        ("5", "NO_SHOW"),
    ],
};

pub static FINDING: CodeTable = CodeTable {
    name_zh: "发现问题代码",
    name_en: "finding code",
    entries: &[
        ("01", "FALL_RISK"),
        ("02", "MEDICATION_ISSUE"),
        ("03", "COGNITIVE_DECLINE"),
        ("04", "NUTRITION_RISK"),
        ("05", "HOME_HAZARD"),
        ("06", "LONELINESS"),
        ("07", "HEALTH_CHANGE"),
        ("99", "OTHER"),
    ],
};

pub static PROVIDER_KIND: CodeTable = CodeTable {
    name_zh: "机构类型",
    name_en: "institution type",
    entries: &[
        ("01", "HOUSEKEEPING_COMPANY"),
        ("02", "ELDER_CARE_INSTITUTION"),
        ("03", "COMMUNITY_STATION"),
        ("04", "REGIONAL_CENTER"),
        ("05", "MEAL_POINT"),
        ("06", "DAY_CARE"),
    ],
};

pub static UNIT: CodeTable = CodeTable {
    name_zh: "计价单位",
    name_en: "pricing unit",
    entries: &[
        ("01", "PER_VISIT"),
        ("02", "PER_HOUR"),
        ("03", "PER_MONTH"),
        ("04", "PER_MEAL"),
    ],
};

pub static CREDIT: CodeTable = CodeTable {
    name_zh: "信用等级",
    name_en: "credit level",
    entries: &[("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
};

pub static IN_LIBRARY: CodeTable = CodeTable {
    name_zh: "服务商库标志",
    name_en: "provider library flag",
    entries: &[("1", "true"), ("0", "false")],
};

pub static OPERATING: CodeTable = CodeTable {
    name_zh: "运营状态",
    name_en: "operating status",
    entries: &[("1", "ACTIVE"), ("2", "SUSPENDED"), ("3", "CLOSED")],
};

pub static PURPOSE: CodeTable = CodeTable {
    name_zh: "授权目的",
    name_en: "purpose code",
    entries: &[
        ("01", "SERVICE_DELIVERY"),
        ("02", "CARE_COORDINATION"),
        ("03", "SUBSIDY_ADMINISTRATION"),
        ("04", "EMERGENCY"),
    ],
};

pub static CATEGORY: CodeTable = CodeTable {
    name_zh: "数据类别",
    name_en: "data category code",
    entries: &[
        ("01", "BASIC"),
        ("02", "CONTACT"),
        ("03", "LOCATION"),
        ("04", "IDENTITY"),
        ("05", "HEALTH"),
        ("06", "FINANCIAL"),
    ],
};

/// SQFS 授权方式 → `grantedBy.kind` and `evidence.method`, joined by `/`.
pub static GRANT_METHOD: CodeTable = CodeTable {
    name_zh: "授权方式",
    name_en: "consent method",
    entries: &[
        ("01", "SELF/APP_CONFIRMATION"),
        ("02", "SELF/PAPER_SIGNED"),
        ("03", "GUARDIAN/PAPER_SIGNED"),
        ("04", "SELF/PHONE_RECORDED"),
    ],
};

pub static CONSENT_STATUS: CodeTable = CodeTable {
    name_zh: "授权状态",
    name_en: "consent status",
    entries: &[("1", "ACTIVE"), ("0", "WITHDRAWN")],
};
