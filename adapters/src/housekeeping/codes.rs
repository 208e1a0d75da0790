//! The code tables of `housekeeping-app.md`, entry for entry.

use crate::codes::CodeTable;

/// SKU → service item. Several SKUs share an item; the first is written outbound unless
/// a better one fits (see `store::sku_for`).
pub static SKU: CodeTable = CodeTable {
    name_zh: "SKU 编码",
    name_en: "SKU code",
    entries: &[
        ("MEAL-DLV", "MEAL_DELIVERY"),
        ("MEAL-DINE", "MEAL_DINE_IN"),
        ("CLN-D-2H", "CLEANING_DAILY"),
        ("CLN-D-3H", "CLEANING_DAILY"),
        ("CLN-D-4H", "CLEANING_DAILY"),
        ("CLN-DEEP", "CLEANING_DEEP"),
        ("LDRY", "LAUNDRY"),
        ("BATH-HOME", "BATHING_HOME"),
        ("ESC-MED", "MEDICAL_ESCORT"),
        ("MED-RMD", "MEDICATION_REMINDER"),
        ("ESC-OUT", "MOBILITY_ESCORT"),
        ("VISIT", "VISIT_CHECK"),
        ("CALL", "PHONE_CHECK"),
        ("CHAT", "COMPANION"),
        ("CARE-DAY", "PERSONAL_CARE"),
        ("REHAB", "REHAB_CARE"),
        ("RESPITE", "RESPITE_CARE"),
        ("COOK", "COOKING"),
        ("AGE-FRIENDLY", "HOME_ADAPTATION"),
    ],
};

pub static ORDER_STATUS: CodeTable = CodeTable {
    name_zh: "订单状态",
    name_en: "order status",
    entries: &[
        ("PENDING", "SCHEDULED"),
        ("SERVING", "IN_PROGRESS"),
        ("COMPLETED", "COMPLETED"),
        ("CANCELLED", "CANCELLED"),
        ("REFUNDED", "CANCELLED"),
        ("NO_SHOW", "NO_SHOW"),
    ],
};

pub static FINDING_TAG: CodeTable = CodeTable {
    name_zh: "发现标签",
    name_en: "finding tag",
    entries: &[
        ("FALL_RISK", "FALL_RISK"),
        ("MEDICATION", "MEDICATION_ISSUE"),
        ("COGNITION", "COGNITIVE_DECLINE"),
        ("NUTRITION", "NUTRITION_RISK"),
        ("HOME_SAFETY", "HOME_HAZARD"),
        ("LONELY", "LONELINESS"),
        ("HEALTH", "HEALTH_CHANGE"),
        ("NEED_SERVICE", "NEEDS_SERVICE"),
        ("OTHER", "OTHER"),
    ],
};

pub static FINDING_LEVEL: CodeTable = CodeTable {
    name_zh: "发现等级",
    name_en: "finding level",
    entries: &[("1", "LOW"), ("2", "MEDIUM"), ("3", "HIGH")],
};

pub static STORE_TYPE: CodeTable = CodeTable {
    name_zh: "门店类型",
    name_en: "store type",
    entries: &[
        ("HOUSEKEEPING", "HOUSEKEEPING_COMPANY"),
        ("NURSING_HOME", "ELDER_CARE_INSTITUTION"),
        ("COMMUNITY_STATION", "COMMUNITY_STATION"),
        ("REGIONAL_CENTER", "REGIONAL_CENTER"),
        ("MEAL_POINT", "MEAL_POINT"),
        ("DAY_CARE", "DAY_CARE"),
    ],
};

pub static UNIT: CodeTable = CodeTable {
    name_zh: "计价单位",
    name_en: "pricing unit",
    entries: &[
        ("TIME", "PER_VISIT"),
        ("HOUR", "PER_HOUR"),
        ("MONTH", "PER_MONTH"),
        ("MEAL", "PER_MEAL"),
    ],
};

pub static CREDIT: CodeTable = CodeTable {
    name_zh: "信用等级",
    name_en: "credit level",
    entries: &[("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
};

pub static COORD_TYPE: CodeTable = CodeTable {
    name_zh: "坐标类型",
    name_en: "coordinate type",
    entries: &[("BD09", "BD09"), ("GCJ02", "GCJ02"), ("WGS84", "WGS84")],
};

/// Customer tags, outbound only: `(tag, livingSituation)`.
pub static CUSTOMER_TAG: CodeTable = CodeTable {
    name_zh: "客户标签",
    name_en: "customer tag",
    entries: &[
        ("LIVES_ALONE", "LIVING_ALONE"),
        ("EMPTY_NEST", "EMPTY_NEST"),
        ("ADVANCED_AGE", "ADVANCED_AGE"),
        ("DISABLED", "DISABLED"),
        ("DISABLED", "SEVERE_DISABILITY"),
    ],
};

/// Customer gender, outbound only: `(gender, canonical gender)`.
pub static CUSTOMER_GENDER: CodeTable = CodeTable {
    name_zh: "性别",
    name_en: "gender",
    entries: &[
        ("MALE", "MALE"),
        ("FEMALE", "FEMALE"),
        ("UNKNOWN", "UNKNOWN"),
        ("UNKNOWN", "UNSPECIFIED"),
    ],
};
