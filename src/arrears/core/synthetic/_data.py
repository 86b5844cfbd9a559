"""Embedded reference data for synthetic placements: names, places, creditors.

Cities are real, with a real ZIP code and real area codes of the place; people, streets
and creditors are invented. Lists are deduplicated by folded name so that distinct entries
never link as the same person.
"""

from __future__ import annotations

from typing import Final

from arrears.core.formats.placements import fold_last_name, fold_name


def _unique(words: str, fold: object = fold_name) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for word in words.split(","):
        name = word.strip()
        key = fold_name(name) if fold is fold_name else fold_last_name(name)
        if name and key and key not in seen:
            seen.add(key)
            out.append(name)
    return tuple(out)


FIRST_NAMES: Final = _unique("""
James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, William,
Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Christopher, Karen, Charles, Lisa,
Daniel, Nancy, Matthew, Betty, Anthony, Sandra, Mark, Margaret, Donald, Ashley, Steven,
Kimberly, Andrew, Emily, Paul, Donna, Joshua, Michelle, Kenneth, Carol, Kevin, Amanda, Brian,
Melissa, Timothy, Deborah, Ronald, Stephanie, George, Dorothy, Jason, Rebecca, Edward, Sharon,
Jeffrey, Laura, Ryan, Cynthia, Jacob, Amy, Gary, Kathleen, Nicholas, Angela, Eric, Shirley,
Jonathan, Brenda, Stephen, Emma, Larry, Anna, Justin, Pamela, Scott, Nicole, Brandon, Samantha,
Benjamin, Katherine, Samuel, Christine, Gregory, Helen, Alexander, Debra, Patrick, Rachel,
Frank, Carolyn, Raymond, Janet, Jack, Maria, Dennis, Catherine, Jerry, Heather, Tyler, Diane,
Aaron, Olivia, José, Julie, Adam, Joyce, Nathan, Victoria, Henry, Ruth, Zachary, Virginia,
Douglas, Lauren, Peter, Kelly, Kyle, Christina, Noah, Joan, Ethan, Evelyn, Jeremy, Judith,
Christian, Andrea, Walter, Hannah, Keith, Megan, Austin, Cheryl, Roger, Jacqueline, Terry,
Martha, Sean, Madison, Gerald, Teresa, Carl, Gloria, Dylan, Sara, Harold, Janice, Jordan, Ann,
Jesse, Kathryn, Bryan, Abigail, Lawrence, Sophia, Arthur, Frances, Gabriel, Jean, Bruce, Alice,
Logan, Judy, Billy, Isabella, Joe, Julia, Alan, Grace, Juan, Amber, Elijah, Denise, Willie,
Danielle, Albert, Marilyn, Wayne, Beverly, Randy, Charlotte, Mason, Natalie, Vincent, Theresa,
Liam, Diana, Roy, Brittany, Bobby, Doris, Caleb, Kayla, Bradley, Alexis, Russell, Lori, Lucas,
Marie, Luis, Carmen, Miguel, Guadalupe, Alejandro, Ximena, Sofía, Valentina, Mateo, Santiago,
Camila, Diego, Lucía, Javier, Alejandra, Carlos, Rosa, Jorge, Ana, Ricardo, Yesenia, Fernando,
Marisol, Eduardo, Paola, Raúl, Beatriz, Héctor, Leticia, Rafael, Gabriela, Wei, Mei, Jian,
Xiaoling, Hao, Yan, Hiroshi, Yuki, Kenji, Akiko, Minh, Linh, Thanh, Huong, Duc, Ngoc, Jae,
Min-jun, Seo-yeon, Ji-woo, Priya, Rahul, Anjali, Arjun, Deepa, Vikram, Sunita, Rajesh, Aisha,
Omar, Fatima, Ahmed, Layla, Yusuf, Mariam, Hassan, Noor, Tariq, Leila, Kwame, Ama, Chinedu,
Ngozi, Oluwaseun, Adaeze, Kofi, Abena, Tendai, Imani, DeShawn, Latoya, Tyrone, Ebony, Jamal,
Keisha, Malik, Tamika, Darnell, Shaniqua, Andre, Monique, Terrell, Aaliyah, Marcus, Jasmine,
Dmitri, Olga, Sergei, Irina, Ivan, Natasha, Piotr, Agnieszka, Tomasz, Katarzyna, Giovanni,
Francesca, Luca, Giulia, Sean Patrick, Siobhan, Declan, Aoife, Lars, Ingrid, Sven, Astrid,
Kai, Leilani, Keanu, Malia, Nalani, Koa, Ayasha, Chayton, Winona, Dakota, Zoë, Chloé, Renée,
Noémie, Björn, Søren, François, Hélène, Joaquín, Inés
""")

LAST_NAMES: Final = _unique(
    """
Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez,
Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez,
Thompson, White, Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, King,
Wright, Scott, Torres, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Rivera,
Campbell, Mitchell, Carter, Roberts, Gomez, Phillips, Evans, Turner, Diaz, Parker, Cruz,
Edwards, Collins, Reyes, Stewart, Morris, Morales, Murphy, Cook, Rogers, Gutierrez, Ortiz,
Morgan, Cooper, Peterson, Bailey, Reed, Kelly, Howard, Ramos, Kim, Cox, Ward, Richardson,
Watson, Brooks, Chavez, Wood, James, Bennett, Gray, Mendoza, Ruiz, Hughes, Price, Alvarez,
Castillo, Sanders, Patel, Myers, Long, Ross, Foster, Jimenez, Powell, Jenkins, Perry, Russell,
Sullivan, Bell, Coleman, Butler, Henderson, Barnes, Gonzales, Fisher, Vasquez, Simmons,
Romero, Jordan, Patterson, Alexander, Hamilton, Graham, Reynolds, Griffin, Wallace, Moreno,
West, Cole, Hayes, Bryant, Herrera, Gibson, Ellis, Tran, Medina, Aguilar, Stevens, Murray,
Ford, Castro, Marshall, Owens, Harrison, Fernandez, McDonald, Woods, Washington, Kennedy,
Wells, Vargas, Henry, Chen, Freeman, Webb, Tucker, Guzman, Burns, Crawford, Olson, Simpson,
Porter, Hunter, Gordon, Mendez, Silva, Shaw, Snyder, Mason, Dixon, Muñoz, Hunt, Hicks,
Holmes, Palmer, Wagner, Black, Robertson, Boyd, Rose, Stone, Salazar, Fox, Warren, Mills,
Meyer, Rice, Schmidt, Garza, Daniels, Ferguson, Nichols, Stephens, Soto, Weaver, Ryan,
Gardner, Payne, Grant, Dunn, Kelley, Spencer, Hawkins, Arnold, Pierce, Vazquez, Hansen,
Peters, Santos, Hart, Bradley, Knight, Elliott, Cunningham, Duncan, Armstrong, Hudson,
Carroll, Lane, Riley, Andrews, Alvarado, Ray, Delgado, Berry, Perkins, Hoffman, Johnston,
Matthews, Peña, Richards, Contreras, Willis, Carpenter, Lawrence, Sandoval, Wang, Li, Zhang,
Liu, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Yamamoto, Tanaka, Watanabe, Suzuki, Takahashi, Park,
Choi, Jung, Kang, Cho, Yoon, Pham, Le, Hoang, Vu, Dang, Bui, Do, Ngo, Shah, Singh, Kumar,
Sharma, Gupta, Desai, Mehta, Reddy, Iyer, Chowdhury, Rahman, Hussain, Khan, Ali, Haddad,
Nasser, Mansour, Okafor, Adeyemi, Mensah, Osei, Mwangi, Abebe, Diallo, Kowalski, Nowak,
Wiśniewski, Ivanov, Petrov, Popescu, Novak, Rossi, Russo, Bianchi, Esposito, Romano,
O'Brien, O'Connor, McCarthy, Gallagher, Byrne, Fitzgerald, Larsen, Johansson, Lindqvist,
Nielsen, Müller, Schneider, Fischer, Weber, Becker, Dubois, Lefèvre, Moreau, Laurent,
De La Cruz, Del Rosario, St. Pierre, Van Buren, Kealoha, Kahananui, Begay, Yazzie, Tsosie,
Two Bulls, Running Bear, Ortega-Ruiz, Smith-Jones, García-López, Nakamura-Lee
""",
    fold_last_name,
)

MIDDLE_NAMES: Final = (
    "A", "B", "C", "D", "E", "J", "L", "M", "R", "S", "T", "Ann", "Lee", "Marie", "Lynn",
    "James", "Michael", "Grace", "Rose", "Alan", "Jean", "Ray",
)  # fmt: skip
SUFFIXES: Final = ("Jr", "Sr", "II", "III", "IV")

STREET_NAMES: Final = (
    "Maple", "Oak", "Pine", "Cedar", "Elm", "Walnut", "Chestnut", "Willow", "Birch", "Spruce",
    "Hickory", "Magnolia", "Dogwood", "Sycamore", "Aspen", "Juniper", "Laurel", "Holly",
    "Washington", "Lincoln", "Jefferson", "Madison", "Franklin", "Jackson", "Adams", "Monroe",
    "Park", "Lake", "Hill", "River", "Spring", "Meadow", "Forest", "Valley", "Sunset",
    "Highland", "Ridge", "Prospect", "Church", "Mill", "Market", "Main", "Center", "Union",
    "Liberty", "Pleasant", "Cherry", "Orchard", "Harbor", "Bay", "Mission", "Canyon", "Mesa",
    "Sierra", "Vista", "Alameda", "Del Mar", "Palm", "Bayou", "Magnolia Bluff", "Prairie",
    "Cottonwood", "Mesquite", "Pinon", "Kukui", "Aloha", "Calle Luna", "Calle Sol", "Fairview",
    "Greenwood", "Riverside", "Lakeview", "Woodland", "Brookside", "Kingston", "Hampton",
    "Windsor", "Beacon", "Summit", "Heritage", "Colonial", "Quarry", "Railroad", "Depot",
)  # fmt: skip
STREET_TYPES: Final = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way", "Pl", "Ter", "Cir")
UNIT_WORDS: Final = ("Apt", "Unit", "#", "Apt", "Apt")

# (city, state, ZIP, area codes) - real places across every US time zone and Puerto Rico.
CITIES: Final[tuple[tuple[str, str, str, tuple[str, ...]], ...]] = tuple(
    (city, state, zip5, tuple(codes.split()))
    for city, state, zip5, codes in (
        # Eastern
        ("New York", "NY", "10001", "212 646 917"),
        ("Brooklyn", "NY", "11201", "718 347"),
        ("Buffalo", "NY", "14201", "716"),
        ("Rochester", "NY", "14604", "585"),
        ("Albany", "NY", "12207", "518"),
        ("Boston", "MA", "02108", "617 857"),
        ("Worcester", "MA", "01608", "508 774"),
        ("Springfield", "MA", "01103", "413"),
        ("Providence", "RI", "02903", "401"),
        ("Hartford", "CT", "06103", "860"),
        ("New Haven", "CT", "06510", "203"),
        ("Portland", "ME", "04101", "207"),
        ("Burlington", "VT", "05401", "802"),
        ("Manchester", "NH", "03101", "603"),
        ("Newark", "NJ", "07102", "973"),
        ("Jersey City", "NJ", "07302", "201"),
        ("Trenton", "NJ", "08608", "609"),
        ("Philadelphia", "PA", "19103", "215 267"),
        ("Pittsburgh", "PA", "15222", "412"),
        ("Allentown", "PA", "18101", "610"),
        ("Wilmington", "DE", "19801", "302"),
        ("Baltimore", "MD", "21201", "410 443"),
        ("Washington", "DC", "20001", "202"),
        ("Richmond", "VA", "23219", "804"),
        ("Norfolk", "VA", "23510", "757"),
        ("Arlington", "VA", "22201", "703 571"),
        ("Charleston", "WV", "25301", "304"),
        ("Charlotte", "NC", "28202", "704 980"),
        ("Raleigh", "NC", "27601", "919 984"),
        ("Greensboro", "NC", "27401", "336"),
        ("Columbia", "SC", "29201", "803"),
        ("Charleston", "SC", "29401", "843"),
        ("Atlanta", "GA", "30303", "404 470 678"),
        ("Savannah", "GA", "31401", "912"),
        ("Jacksonville", "FL", "32202", "904"),
        ("Miami", "FL", "33130", "305 786"),
        ("Tampa", "FL", "33602", "813"),
        ("Orlando", "FL", "32801", "407 321"),
        ("Tallahassee", "FL", "32301", "850"),
        ("Detroit", "MI", "48226", "313"),
        ("Grand Rapids", "MI", "49503", "616"),
        ("Columbus", "OH", "43215", "614"),
        ("Cleveland", "OH", "44114", "216"),
        ("Cincinnati", "OH", "45202", "513"),
        ("Indianapolis", "IN", "46204", "317"),
        ("Louisville", "KY", "40202", "502"),
        ("Lexington", "KY", "40507", "859"),
        ("Knoxville", "TN", "37902", "865"),
        # Central
        ("Chicago", "IL", "60601", "312 773 872"),
        ("Springfield", "IL", "62701", "217"),
        ("Milwaukee", "WI", "53202", "414"),
        ("Madison", "WI", "53703", "608"),
        ("Minneapolis", "MN", "55401", "612"),
        ("Saint Paul", "MN", "55101", "651"),
        ("Des Moines", "IA", "50309", "515"),
        ("St. Louis", "MO", "63101", "314"),
        ("Kansas City", "MO", "64105", "816"),
        ("Omaha", "NE", "68102", "402"),
        ("Wichita", "KS", "67202", "316"),
        ("Fargo", "ND", "58102", "701"),
        ("Sioux Falls", "SD", "57104", "605"),
        ("Nashville", "TN", "37203", "615"),
        ("Memphis", "TN", "38103", "901"),
        ("Birmingham", "AL", "35203", "205"),
        ("Montgomery", "AL", "36104", "334"),
        ("Jackson", "MS", "39201", "601"),
        ("New Orleans", "LA", "70112", "504"),
        ("Baton Rouge", "LA", "70801", "225"),
        ("Little Rock", "AR", "72201", "501"),
        ("Oklahoma City", "OK", "73102", "405"),
        ("Tulsa", "OK", "74103", "918"),
        ("Dallas", "TX", "75201", "214 469 972"),
        ("Houston", "TX", "77002", "713 281 832"),
        ("San Antonio", "TX", "78205", "210"),
        ("Austin", "TX", "78701", "512 737"),
        ("Fort Worth", "TX", "76102", "817"),
        ("Corpus Christi", "TX", "78401", "361"),
        ("Pensacola", "FL", "32502", "850"),
        # Mountain
        ("Denver", "CO", "80202", "303 720"),
        ("Colorado Springs", "CO", "80903", "719"),
        ("Salt Lake City", "UT", "84101", "801 385"),
        ("Boise", "ID", "83702", "208"),
        ("Albuquerque", "NM", "87102", "505"),
        ("Billings", "MT", "59101", "406"),
        ("Cheyenne", "WY", "82001", "307"),
        ("El Paso", "TX", "79901", "915"),
        # Mountain, no daylight saving (Arizona)
        ("Phoenix", "AZ", "85004", "602 480"),
        ("Tucson", "AZ", "85701", "520"),
        ("Mesa", "AZ", "85201", "480"),
        ("Flagstaff", "AZ", "86001", "928"),
        # Pacific
        ("Los Angeles", "CA", "90012", "213 323"),
        ("San Diego", "CA", "92101", "619 858"),
        ("San Francisco", "CA", "94102", "415 628"),
        ("San Jose", "CA", "95113", "408 669"),
        ("Sacramento", "CA", "95814", "916"),
        ("Fresno", "CA", "93721", "559"),
        ("Oakland", "CA", "94612", "510"),
        ("Long Beach", "CA", "90802", "562"),
        ("Seattle", "WA", "98101", "206"),
        ("Spokane", "WA", "99201", "509"),
        ("Tacoma", "WA", "98402", "253"),
        ("Portland", "OR", "97204", "503 971"),
        ("Eugene", "OR", "97401", "541"),
        ("Las Vegas", "NV", "89101", "702 725"),
        ("Reno", "NV", "89501", "775"),
        # Alaska
        ("Anchorage", "AK", "99501", "907"),
        ("Fairbanks", "AK", "99701", "907"),
        ("Juneau", "AK", "99801", "907"),
        # Hawaii
        ("Honolulu", "HI", "96813", "808"),
        ("Hilo", "HI", "96720", "808"),
        ("Kailua", "HI", "96734", "808"),
        # Puerto Rico (Atlantic)
        ("San Juan", "PR", "00901", "787 939"),
        ("Ponce", "PR", "00716", "787"),
        ("Bayamón", "PR", "00961", "787"),
        ("Mayagüez", "PR", "00680", "787"),
    )
)

# (name, Metro 2 K1 creditor classification, account number style) - invented creditors.
CREDITORS: Final[tuple[tuple[str, str, str], ...]] = (
    ("Northbridge Bank", "08", "card"),
    ("Summit Federal Bank", "08", "card"),
    ("Harborline Savings Bank", "08", "loan"),
    ("Cedar Valley Bank", "08", "card"),
    ("First Meridian Bank", "08", "card"),
    ("Brightpath Lending", "12", "loan"),
    ("Keystone Consumer Finance", "12", "loan"),
    ("Pinecrest Card Services", "12", "card"),
    ("Lumen Installment Loans", "12", "loan"),
    ("Riverbend Credit Union", "13", "loan"),
    ("Tri-County Teachers Credit Union", "13", "card"),
    ("Marlowe Department Stores", "01", "card"),
    ("HomeHaven Furniture", "01", "retail"),
    ("Brightway Electronics", "01", "retail"),
    ("Calloway Outfitters", "01", "card"),
    ("St. Aldric Medical Center", "02", "medical"),
    ("Valley Regional Health", "02", "medical"),
    ("Lakeshore Orthopedic Group", "02", "medical"),
    ("Clearview Dental Partners", "02", "medical"),
    ("Metro Emergency Physicians", "02", "medical"),
    ("Skyreach Wireless", "11", "telecom"),
    ("Cascade Cable & Internet", "11", "telecom"),
    ("Nimbus Mobile", "11", "telecom"),
    ("Tri-State Power & Light", "10", "utility"),
    ("Coastal Energy Services", "10", "utility"),
    ("Redline Auto Finance", "14", "loan"),
    ("Oakmont Property Management", "09", "retail"),
    ("Ridgeview Apartment Homes", "09", "retail"),
    ("Westbrook Technical Institute", "07", "retail"),
    ("Guardian Oak Insurance", "06", "retail"),
)

EMAIL_DOMAINS: Final = (
    "gmail.com", "gmail.com", "gmail.com", "yahoo.com", "yahoo.com", "outlook.com",
    "hotmail.com", "icloud.com", "aol.com", "comcast.net", "att.net", "msn.com",
    "protonmail.com", "verizon.net",
)  # fmt: skip

BUSINESS_WORDS: Final = (
    "Acme", "Apex", "Bluebird", "Bright", "Canyon", "Cardinal", "Coastal", "Copper", "Crescent",
    "Delta", "Eagle", "Evergreen", "Falcon", "Frontier", "Golden", "Granite", "Harbor",
    "Heartland", "Horizon", "Ironwood", "Keystone", "Lakeside", "Liberty", "Lone Star",
    "Magnolia", "Maple Leaf", "Meridian", "Mesa", "Midwest", "Mountain", "North Star", "Oak",
    "Pacific", "Palmetto", "Pinnacle", "Prairie", "Redwood", "Ridge", "River", "Sierra",
    "Silver", "Summit", "Sun", "Timber", "Trinity", "Valley", "Vista", "Willow",
)  # fmt: skip
BUSINESS_TRADES: Final = (
    "Plumbing", "Roofing", "Landscaping", "Auto Repair", "Bakery", "Catering", "Dental Lab",
    "Electric", "Flooring", "Hardware", "Heating & Air", "Insurance Agency", "Logistics",
    "Marketing", "Painting", "Pet Grooming", "Printing", "Realty", "Salon", "Trucking",
    "Tile & Stone", "Cabinetry", "Construction", "Consulting", "Diner", "Fitness",
    "Florist", "Glass", "Machine Works", "Signs",
)  # fmt: skip
BUSINESS_FORMS: Final = ("LLC", "Inc", "Co", "Group LLC", "Services Inc", "& Sons", "Partners")
