//! The shared service catalog (DESIGN §4.6).

use std::sync::LazyLock;

/// One service item of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceItem {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub category: &'static str,
    /// Happens at the senior's home: the geo check and the worker certificate apply.
    pub on_site: bool,
    /// Plausible length of one visit, in minutes; `None` means no check.
    pub min_minutes: Option<u32>,
    pub max_minutes: Option<u32>,
}

static CATALOG: LazyLock<Vec<ServiceItem>> = LazyLock::new(|| {
    super::SERVICE_ITEMS_CSV
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells = super::cells(line);
            let minutes = |cell: &str| cell.parse().ok();
            ServiceItem {
                code: cells[0],
                name_zh: cells[1],
                name_en: cells[2],
                category: cells[3],
                on_site: cells[4] == "true",
                min_minutes: minutes(cells[5]),
                max_minutes: minutes(cells[6]),
            }
        })
        .collect()
});

/// The catalog's items, in table order.
pub fn catalog() -> &'static [ServiceItem] {
    &CATALOG
}

impl ServiceItem {
    /// The item with this code.
    pub fn get(code: &str) -> Option<&'static ServiceItem> {
        catalog().iter().find(|item| item.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_carry_their_on_site_flag_and_bounds() {
        let cleaning = ServiceItem::get("CLEANING_DAILY").unwrap();
        assert!(cleaning.on_site);
        assert_eq!(
            (cleaning.min_minutes, cleaning.max_minutes),
            (Some(60), Some(300))
        );
        let adaptation = ServiceItem::get("HOME_ADAPTATION").unwrap();
        assert_eq!(
            (adaptation.min_minutes, adaptation.max_minutes),
            (None, None)
        );
        assert!(!ServiceItem::get("MEAL_DINE_IN").unwrap().on_site);
        assert_eq!(catalog().len(), 17);
    }
}
