from knowledge.text.script import in_script_of, is_traditional, to_simplified, to_traditional


def test_t2s_and_s2t():
    assert to_simplified("臨川區不動產登記") == "临川区不动产登记"
    assert to_traditional("临川区不动产登记") == "臨川區不動產登記"


def test_script_detection():
    assert is_traditional("吉陽區怎樣推動政務服務「就近辦」？")
    assert not is_traditional("怎么办理不动产登记？")
    assert not is_traditional("你好")  # no script-specific characters: treated as simplified


def test_answer_follows_the_question_script():
    assert in_script_of("办理时限压缩", "請問怎樣辦理？") == "辦理時限壓縮"
    assert in_script_of("辦理時限壓縮", "请问怎么办理？") == "办理时限压缩"
