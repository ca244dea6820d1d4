"""An amoCRM account set up to close deals, for the fake amoCRM: the lead custom fields a
business adds (payment slots, contract, dimensions), the `[amocrm]` mapping that reads them,
and a closed lead as the API shows it. Shared by the end-to-end tests and the benchmark.
"""

from __future__ import annotations

from typing import Any

PIPELINE, OPEN_STATUS, CLOSED_STATUS = 3177727, 32392159, 32392165  # the fake's pipeline
# A status the business adds after the closed one: where a deal goes once money is confirmed.
CONFIRMED_STATUS, CONFIRMED_SORT = 32392168, 35
PAID_FIELD = 600015  # "Оплачено, ₽": the total confirmed, written back
MANAGER_AMO_ID = 504141  # "Менеджер Иван", one of the fake's users
PREPAY, PAY_TYPE, CONTRACT, PRODUCT, SALON, CITY, CONTRACT_DATE = (
    600001,
    600003,
    600005,
    600007,
    600009,
    600011,
    600013,
)
CASH_ENUM, TRANSFER_ENUM = 800001, 800003
PAY_TYPES = {"Наличные": CASH_ENUM, "Безнал": TRANSFER_ENUM}
PAYMENT_SLOTS = ("Предоплата", "Остаток")
CONTRACT_SIGNED = 1_763_424_000  # 18.11.2025 in Moscow

MAPPINGS = f"""
[amocrm]
closed_statuses = [[{PIPELINE}, {CLOSED_STATUS}]]
confirmed_status = {CONFIRMED_STATUS}
paid_field = {PAID_FIELD}
contract_field = {CONTRACT}
contract_date_field = {CONTRACT_DATE}
product_field = {PRODUCT}
salon_field = {SALON}
city_field = {CITY}

[[amocrm.payments]]
name = "{PAYMENT_SLOTS[0]}"
amount_field = {PREPAY}
type_field = {PAY_TYPE}

[[amocrm.payments]]
name = "{PAYMENT_SLOTS[1]}"
amount = "price_minus_others"
type_field = {PAY_TYPE}

[amocrm.payment_types]
"Наличные" = "cash"
"Безнал" = "bank_transfer"
"""

CUSTOM_FIELDS = [
    {"id": PREPAY, "name": "Предоплата", "type": "numeric"},
    {
        "id": PAY_TYPE,
        "name": "Тип оплаты",
        "type": "select",
        "enums": [{"id": enum_id, "value": name} for name, enum_id in PAY_TYPES.items()],
    },
    {"id": CONTRACT, "name": "Договор", "type": "text"},
    {"id": PRODUCT, "name": "Продукт", "type": "text"},
    {"id": SALON, "name": "Салон", "type": "text"},
    {"id": CITY, "name": "Город", "type": "text"},
    {"id": CONTRACT_DATE, "name": "Дата договора", "type": "date"},
    {"id": PAID_FIELD, "name": "Оплачено, ₽", "type": "numeric"},
]


def install(fake: Any) -> None:
    """Set the fake amoCRM up as this account: its lead fields and its "payment confirmed"
    status after the closed one."""
    fake.custom_fields.extend(CUSTOM_FIELDS)
    fake.add_status(CONFIRMED_STATUS, "Платёж подтверждён", CONFIRMED_SORT, PIPELINE)


def crm_field(field_id: int, value: Any, enum_id: int | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {"value": value}
    if enum_id is not None:
        shown["enum_id"] = enum_id
    return {"field_id": field_id, "field_name": str(field_id), "values": [shown]}


def closed_lead(
    lead_id: int,
    *,
    name: str,
    price: int,
    prepayment: str,
    updated_at: int,
    account_id: int,
    pay_type: str = "Наличные",
    contract: str = "Д-17",
    product: str = "Кухня",
    salon: str = "Центральный",
    city: str = "Казань",
    responsible_user_id: int = MANAGER_AMO_ID,
) -> dict[str, Any]:
    """A lead as amoCRM shows it once the manager closed it, with its payment fields."""
    return {
        "id": lead_id,
        "name": name,
        "price": price,
        "responsible_user_id": responsible_user_id,
        "status_id": CLOSED_STATUS,
        "pipeline_id": PIPELINE,
        "updated_at": updated_at,
        "account_id": account_id,
        "custom_fields_values": [
            crm_field(PREPAY, prepayment),
            crm_field(PAY_TYPE, pay_type, PAY_TYPES[pay_type]),
            crm_field(CONTRACT, contract),
            crm_field(PRODUCT, product),
            crm_field(SALON, salon),
            crm_field(CITY, city),
            crm_field(CONTRACT_DATE, CONTRACT_SIGNED),
        ],
        "_embedded": {"tags": [], "companies": [], "contacts": []},
    }
