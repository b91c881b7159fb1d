import pytest

from vnnews.text import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ông A sống tại TP. HCM. Ông đi làm.", ["Ông A sống tại TP. HCM.", "Ông đi làm."]),
        ("PGS.TS. Nguyễn Văn B phát biểu. Hội nghị kết thúc.", ["PGS.TS. Nguyễn Văn B phát biểu.", "Hội nghị kết thúc."]),
        ("Ông Mai Văn Thương (SN 1990) bị bắt. Vụ án đang điều tra.", ["Ông Mai Văn Thương (SN 1990) bị bắt.", "Vụ án đang điều tra."]),
        ("Doanh thu đạt 3,2 tỷ đồng. Lợi nhuận 1.100 tỷ.", ["Doanh thu đạt 3,2 tỷ đồng.", "Lợi nhuận 1.100 tỷ."]),
        ("Sáng 17/12, hội nghị khai mạc. Chiều 18/12 bế mạc.", ["Sáng 17/12, hội nghị khai mạc.", "Chiều 18/12 bế mạc."]),
        ('Ông nói: "Tốt." Sau đó ông về.', ['Ông nói: "Tốt."', "Sau đó ông về."]),
        ("Ông Nguyễn V. A đến. Rồi đi?", ["Ông Nguyễn V. A đến.", "Rồi đi?"]),
        ("Hết rồi... Thật sao! 5 người đến.", ["Hết rồi...", "Thật sao!", "5 người đến."]),
        ("Trạm ở Q. 1 gần đây. xin chào", ["Trạm ở Q. 1 gần đây. xin chào"]),
        ("Dòng một.\nDòng hai", ["Dòng một.", "Dòng hai"]),
        ("", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_underthesea_splits_what_we_keep_together():
    """Why the splitter is our own: pin underthesea's behaviour on the hard cases."""
    from underthesea import sent_tokenize

    text = 'PGS.TS. Nguyễn Văn B phát biểu. Anh ấy nói: "Tốt." Sau đó về.'
    assert sent_tokenize(text) != split_sentences(text)
    assert split_sentences(text) == ["PGS.TS. Nguyễn Văn B phát biểu.", 'Anh ấy nói: "Tốt."', "Sau đó về."]
