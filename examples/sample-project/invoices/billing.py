"""A tiny billing module: the starting point of the demo repository."""

from dataclasses import dataclass


@dataclass
class Line:
    description: str
    quantity: int
    unit_price: float


class Invoice:
    def __init__(self, lines: list[Line], vat_rate: float = 0.2) -> None:
        self.lines = lines
        self.vat_rate = vat_rate

    def subtotal(self) -> float:
        return sum(line.quantity * line.unit_price for line in self.lines)

    def total(self) -> float:
        return round(self.subtotal() * (1 + self.vat_rate), 2)


def parse_invoice(text: str) -> Invoice:
    lines = []
    for row in text.strip().splitlines():
        description, quantity, price = row.split(";")
        lines.append(Line(description, int(quantity), float(price)))
    return Invoice(lines)
