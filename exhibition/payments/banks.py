"""The banks a VietQR transfer can reach: their NAPAS BIN (the six digits field 38 of a VietQR
carries), the name people know and the legal name. The list is the banks of NAPAS 247's
account-transfer service; a bank missing here cannot receive a booth fee by VietQR."""

from typing import NamedTuple


class Bank(NamedTuple):
    bin: str
    short_name: str
    name: str


BANKS: tuple[Bank, ...] = (
    Bank("970436", "Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    Bank("970415", "VietinBank", "Ngân hàng TMCP Công thương Việt Nam"),
    Bank("970418", "BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    Bank("970405", "Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    Bank("970407", "Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam"),
    Bank("970422", "MB", "Ngân hàng TMCP Quân đội"),
    Bank("970416", "ACB", "Ngân hàng TMCP Á Châu"),
    Bank("970432", "VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng"),
    Bank("970403", "Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín"),
    Bank("970423", "TPBank", "Ngân hàng TMCP Tiên Phong"),
    Bank("970437", "HDBank", "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh"),
    Bank("970441", "VIB", "Ngân hàng TMCP Quốc tế Việt Nam"),
    Bank("970443", "SHB", "Ngân hàng TMCP Sài Gòn – Hà Nội"),
    Bank("970431", "Eximbank", "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam"),
    Bank("970426", "MSB", "Ngân hàng TMCP Hàng Hải Việt Nam"),
    Bank("970448", "OCB", "Ngân hàng TMCP Phương Đông"),
    Bank("970440", "SeABank", "Ngân hàng TMCP Đông Nam Á"),
    Bank("970449", "LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam"),
    Bank("970428", "Nam A Bank", "Ngân hàng TMCP Nam Á"),
    Bank("970409", "Bac A Bank", "Ngân hàng TMCP Bắc Á"),
    Bank("970425", "ABBANK", "Ngân hàng TMCP An Bình"),
    Bank("970454", "BVBank", "Ngân hàng TMCP Bản Việt"),
    Bank("970438", "BaoViet Bank", "Ngân hàng TMCP Bảo Việt"),
    Bank("970412", "PVcomBank", "Ngân hàng TMCP Đại Chúng Việt Nam"),
    Bank("970452", "KienlongBank", "Ngân hàng TMCP Kiên Long"),
    Bank("970419", "NCB", "Ngân hàng TMCP Quốc Dân"),
    Bank("970427", "VietABank", "Ngân hàng TMCP Việt Á"),
    Bank("970400", "Saigonbank", "Ngân hàng TMCP Sài Gòn Công Thương"),
    Bank("970429", "SCB", "Ngân hàng TMCP Sài Gòn"),
    Bank("970430", "PGBank", "Ngân hàng TMCP Thịnh vượng và Phát triển"),
    Bank("970406", "DongA Bank", "Ngân hàng TMCP Đông Á"),
    Bank("970408", "GPBank", "Ngân hàng TM TNHH MTV Dầu khí Toàn cầu"),
    Bank("970433", "Vietbank", "Ngân hàng TMCP Việt Nam Thương Tín"),
    Bank("970414", "MBV", "Ngân hàng TNHH MTV Việt Nam Hiện Đại"),
    Bank("970444", "CBBank", "Ngân hàng TNHH MTV Xây dựng Việt Nam"),
    Bank("970446", "Co-opBank", "Ngân hàng Hợp tác xã Việt Nam"),
    Bank("970424", "Shinhan Bank", "Ngân hàng TNHH MTV Shinhan Việt Nam"),
    Bank("970457", "Woori Bank", "Ngân hàng TNHH MTV Woori Việt Nam"),
    Bank("970458", "UOB", "Ngân hàng TNHH MTV United Overseas Bank Việt Nam"),
    Bank("970439", "Public Bank", "Ngân hàng TNHH MTV Public Việt Nam"),
    Bank("970442", "Hong Leong Bank", "Ngân hàng TNHH MTV Hong Leong Việt Nam"),
    Bank("970410", "Standard Chartered", "Ngân hàng TNHH MTV Standard Chartered Việt Nam"),
    Bank("970434", "Indovina Bank", "Ngân hàng TNHH Indovina"),
    Bank("970421", "VRB", "Ngân hàng Liên doanh Việt – Nga"),
    Bank("970455", "IBK", "Ngân hàng Công nghiệp Hàn Quốc – Chi nhánh Hà Nội"),
    Bank("970462", "Kookmin Bank", "Ngân hàng Kookmin – Chi nhánh Hà Nội"),
    Bank("970463", "Kookmin Bank HCM", "Ngân hàng Kookmin – Chi nhánh Thành phố Hồ Chí Minh"),
    Bank("458761", "HSBC", "Ngân hàng TNHH MTV HSBC (Việt Nam)"),
    Bank("422589", "CIMB", "Ngân hàng TNHH MTV CIMB Việt Nam"),
    Bank("796500", "DBS", "Ngân hàng DBS – Chi nhánh Thành phố Hồ Chí Minh"),
    Bank("801011", "Nonghyup", "Ngân hàng Nonghyup – Chi nhánh Hà Nội"),
    Bank("970465", "SINOPAC", "Ngân hàng SinoPac – Chi nhánh Thành phố Hồ Chí Minh"),
)

BY_BIN: dict[str, Bank] = {bank.bin: bank for bank in BANKS}


def bank_of(bin: str) -> Bank | None:
    return BY_BIN.get(bin)


def choices() -> list[tuple[str, str]]:
    """The banks for a select, by the name people know."""
    return [
        (b.bin, f"{b.short_name} – {b.name}")
        for b in sorted(BANKS, key=lambda b: b.short_name.lower())
    ]
