"""Names for the demo: two provinces of the post-2025 map with some of their communes and wards, and a
short catalogue of common procedures. Illustrative data only; codes are the demo's own."""

PROVINCES = (
    (
        "NB",
        "Tỉnh Ninh Bình",
        ("Phường Hoa Lư", "Phường Tam Điệp", "Phường Nam Định", "Phường Phủ Lý", "Phường Duy Tiên",
         "Xã Gia Viễn", "Xã Nho Quan", "Xã Kim Sơn", "Xã Yên Mô", "Xã Hải Hậu", "Xã Ý Yên", "Xã Nghĩa Hưng"),
    ),
    (
        "LC",
        "Tỉnh Lào Cai",
        ("Phường Lào Cai", "Phường Cam Đường", "Phường Sa Pa", "Xã Bắc Hà", "Xã Bát Xát", "Xã Mường Khương",
         "Phường Yên Bái", "Xã Lục Yên"),
    ),
)

PROCEDURES = (
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch"),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch"),
    ("1.000656", "Đăng ký khai tử", "Hộ tịch"),
    ("1.004873", "Cấp giấy xác nhận tình trạng hôn nhân", "Hộ tịch"),
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực"),
    ("2.000884", "Chứng thực chữ ký trong giấy tờ, văn bản", "Chứng thực"),
    ("1.001612", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "Đất đai"),
    ("1.003554", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Hoạt động xây dựng"),
    ("2.000286", "Giải quyết chế độ trợ cấp xã hội hằng tháng", "Bảo trợ xã hội"),
)

COUNTER_NAMES = ("Quầy 1 - Hộ tịch, chứng thực", "Quầy 2 - Đất đai, xây dựng", "Quầy 3 - Lao động, xã hội",
                 "Quầy 4 - Kinh doanh, đầu tư", "Quầy 5 - Tổng hợp")
